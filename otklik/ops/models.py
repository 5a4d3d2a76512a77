"""Operations and security: the audit log, login lockout, TOTP devices, retention policies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.directory import crypto
from otklik.directory.models import Municipality


class AuditEntry(models.Model):
    """Append-only security log: logins, lockouts, role changes, personal-data requests.

    Never stores a password, a TOTP code or the personal data a request was about.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Вход")
        LOGIN_FAILED = "login_failed", _("Неудачный вход")
        LOGIN_LOCKED = "login_locked", _("Учётная запись заблокирована")
        LOGIN_THROTTLED = "login_throttled", _("Слишком много попыток с адреса")
        LOGOUT = "logout", _("Выход")
        SESSION_EXPIRED = "session_expired", _("Сеанс истёк")
        TOTP_ENABLED = "totp_enabled", _("Включена двухфакторная аутентификация")
        TOTP_DISABLED = "totp_disabled", _("Отключена двухфакторная аутентификация")
        TOTP_FAILED = "totp_failed", _("Неверный одноразовый код")
        TOTP_RECOVERY_USED = "totp_recovery_used", _("Вход по резервному коду")
        TOTP_RECOVERY_NEW = "totp_recovery_new", _("Сформированы резервные коды")
        MEMBERSHIP_ADDED = "membership_added", _("Назначена роль")
        MEMBERSHIP_CHANGED = "membership_changed", _("Изменена роль")
        MEMBERSHIP_REMOVED = "membership_removed", _("Снята роль")
        USER_FLAGS_CHANGED = "user_flags_changed", _("Изменены права пользователя")
        USER_PERMISSIONS_CHANGED = "user_perms_changed", _("Изменены группы или разрешения")
        UNLOCKED = "unlocked", _("Учётная запись разблокирована")
        PD_EXPORT = "pd_export", _("Выгрузка персональных данных")
        PD_ERASURE = "pd_erasure", _("Удаление персональных данных")
        RETENTION = "retention", _("Обезличивание по сроку хранения")
        KEYS_ROTATED = "keys_rotated", _("Перешифрование секретов")
        BACKUP = "backup", _("Резервная копия")
        RESTORE = "restore", _("Восстановление из копии")
        ABSENCE_SET = "absence_set", _("Отмечено отсутствие и замещающий")
        ABSENCE_CANCELLED = "absence_cancelled", _("Отменено отсутствие")

    created_at = models.DateTimeField(_("время"), db_index=True)
    kind = models.CharField(_("событие"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    username = models.CharField(_("имя пользователя"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP-адрес"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(_("подробности"), default=dict, blank=True)

    class Meta:
        verbose_name = _("запись журнала безопасности")
        verbose_name_plural = _("журнал безопасности")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="audit_kind_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("AuditEntry is append-only")
        super().save(*args, **kwargs)


class LoginLock(models.Model):
    """Consecutive failed logins of one user name; a lock after too many (see ops/throttle.py)."""

    username = models.CharField(_("имя пользователя"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("неудачных попыток подряд"), default=0)
    last_failure_at = models.DateTimeField(_("последняя неудачная попытка"), null=True, blank=True)
    locked_until = models.DateTimeField(_("заблокирована до"), null=True, blank=True)

    class Meta:
        verbose_name = _("блокировка входа")
        verbose_name_plural = _("блокировки входа")

    def __str__(self) -> str:
        return self.username


class LoginAttempt(models.Model):
    """A failed login from an address: the per-address throttle counts these rows."""

    ip = models.GenericIPAddressField()
    username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="loginattempt_ip_idx")]


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238). The secret is encrypted like network tokens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("пользователь")
    )
    secret_encrypted = models.TextField(editable=False)
    confirmed_at = models.DateTimeField(_("подключено"), null=True, blank=True)
    # The time step of the last accepted code: the same code is never accepted twice.
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("приложение-аутентификатор")
        verbose_name_plural = _("приложения-аутентификаторы")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def secret(self) -> str:
        return crypto.decrypt_json(self.secret_encrypted).get("secret", "")

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt_json({"secret": value})


class RecoveryCode(models.Model):
    """A one-time recovery code of a TOTP device (for a lost phone), stored only as a salted hash.

    Ten are made at once and shown once; each is accepted once (``used_at``); making new ones
    deletes the old. Removing the device removes its codes.
    """

    device = models.ForeignKey(TOTPDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)  # "<salt hex>$<sha256 hex>"
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("резервный код")
        verbose_name_plural = _("резервные коды")


class RetentionPolicy(models.Model):
    """152-ФЗ: how long authors' personal data of closed cases is kept in a municipality."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="retention_policy", verbose_name=_("муниципалитет")
    )
    anonymise_after_months = models.PositiveSmallIntegerField(
        _("обезличивать через, мес."),
        default=36,
        help_text=_("Через сколько месяцев после закрытия обращения обезличить данные автора сообщения."),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("срок хранения персональных данных")
        verbose_name_plural = _("сроки хранения персональных данных")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.anonymise_after_months} мес."


class StoredFile(models.Model):
    """A file uploaded through otklik/files/attachments.py, and the case it belongs to.

    The file is served only to people who may see that case (``cases.access.is_visible``);
    a stored name without a row here is served to nobody.
    """

    # The part after ``attachments/`` in the storage (``YYYY/MM/<uuid hex>.<ext>``); unguessable.
    name = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="stored_files")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("загружен"))
    display_name = models.CharField(_("имя файла"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("загруженный файл")
        verbose_name_plural = _("загруженные файлы")

    def __str__(self) -> str:
        return self.display_name
