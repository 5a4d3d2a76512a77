"""Municipalities, their organizations, people's roles and official accounts (§2, §4, §6, §7)."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from otklik.directory import crypto
from otklik.redaction import remember_secrets


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Неизвестный часовой пояс: %(tz)s"), params={"tz": value}) from None


class Municipality(models.Model):
    """The tenant: a municipality (or a district) whose administration runs the regulation."""

    name = models.CharField(_("название"), max_length=200)
    slug = models.SlugField(_("код"), max_length=64, unique=True)
    timezone = models.CharField(
        _("часовой пояс"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("муниципальное образование")
        verbose_name_plural = _("муниципальные образования")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def administration(self) -> Organization | None:
        return self.organizations.filter(kind=Organization.Kind.ADMINISTRATION, parent=None).first()


class Topic(models.Model):
    """A rubricator entry of a municipality (seeded with DEFAULT_TOPICS)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("тема"), max_length=200)
    group = models.CharField(_("группа"), max_length=200, blank=True)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("тема")
        verbose_name_plural = _("темы (рубрикатор)")
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="topic_unique_name")]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A node of the tree: the administration, its subdivisions, municipal organizations."""

    class Kind(models.TextChoices):
        ADMINISTRATION = "administration", _("Администрация")
        SUBDIVISION = "subdivision", _("Структурное подразделение")
        TERRITORIAL = "territorial", _("Территориальное управление")
        MUNICIPAL_ORG = "municipal_org", _("Муниципальная организация")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="organizations", verbose_name=_("муниципалитет")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("вышестоящая организация"),
    )
    kind = models.CharField(_("вид"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("полное наименование"), max_length=400)
    short_name = models.CharField(_("краткое наименование"), max_length=120)
    is_active = models.BooleanField(_("действует"), default=True)
    competence_topics = models.ManyToManyField(
        Topic, blank=True, related_name="organizations", verbose_name=_("темы компетенции")
    )
    competence_keywords = models.TextField(
        _("ключевые слова компетенции"),
        blank=True,
        help_text=_("Через запятую или с новой строки: используются для подсказок маршрутизации."),
    )

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["municipality", "short_name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "short_name"], name="organization_unique_short_name")
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        parent = self.parent
        if parent is None:
            return
        if parent.municipality_id != self.municipality_id:
            raise ValidationError({"parent": _("Вышестоящая организация должна быть из того же муниципалитета.")})
        seen: set[int] = set()
        node: Organization | None = parent
        while node is not None:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("Организация не может быть подчинена сама себе или своей подчинённой.")}
                )
            if node.pk in seen:  # a cycle already stored: refuse to extend it
                raise ValidationError({"parent": _("В дереве организаций обнаружен цикл.")})
            seen.add(node.pk)
            node = node.parent

    def keywords(self) -> list[str]:
        return [k.strip() for k in re.split(r"[,\n;]", self.competence_keywords) if k.strip()]

    def descendant_ids(self) -> set[int]:
        """This organization and every organization below it (one query per level)."""
        ids = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = list(Organization.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [pk for pk in frontier if pk not in ids]
            ids.update(frontier)
        return ids


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Координатор (заместитель главы)")
    SPECIALIST = "specialist", _("Ответственный специалист")
    ORG_RESPONSIBLE = "org_responsible", _("Ответственный в организации")
    EXECUTOR = "executor", _("Исполнитель")
    HEAD = "head", _("Глава")
    OBSERVER = "observer", _("Наблюдатель (ЦУР)")


# Roles whose scope is a whole municipality rather than one organization's cases.
MUNICIPALITY_WIDE_ROLES = frozenset({Role.COORDINATOR, Role.SPECIALIST, Role.HEAD, Role.OBSERVER})
ORGANIZATION_ROLES = frozenset({Role.ORG_RESPONSIBLE, Role.EXECUTOR})
READ_ONLY_ROLES = frozenset({Role.HEAD, Role.OBSERVER})


class Membership(models.Model):
    """A role a person holds: in an organization, or (observer) in a municipality or everywhere."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("организация"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("муниципалитет"),
        help_text=_("Заполняется автоматически по организации; у наблюдателя пусто — все муниципалитеты."),
    )

    class Meta:
        verbose_name = _("роль пользователя")
        verbose_name_plural = _("роли пользователей")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=Q(organization__isnull=False),
                name="membership_unique_in_org",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(organization__isnull=True, municipality__isnull=False),
                name="membership_unique_in_municipality",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(organization__isnull=True, municipality__isnull=True),
                name="membership_unique_global",
            ),
        ]

    def __str__(self) -> str:
        where = self.organization or self.municipality or _("все муниципалитеты")
        return f"{self.user} — {self.get_role_display()} — {where}"

    def clean(self) -> None:
        if self.role == Role.OBSERVER:
            if self.organization_id:
                raise ValidationError(
                    {"organization": _("Наблюдатель назначается на муниципалитет (или на все), а не на организацию.")}
                )
            return
        if not self.organization_id:
            raise ValidationError({"organization": _("Для этой роли укажите организацию.")})
        if self.organization is not None:
            self.municipality = self.organization.municipality
        qs = Membership.objects.filter(user_id=self.user_id, role=self.role, organization_id=self.organization_id)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        if self.user_id and qs.exists():
            raise ValidationError(_("У этого пользователя уже есть такая роль в этой организации."))

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.organization_id and self.organization is not None:
            self.municipality_id = self.organization.municipality_id
        super().save(*args, **kwargs)


class Absence(models.Model):
    """A person is away (leave, sick leave, a trip) from ``starts_on`` to ``ends_on`` inclusive;
    their cases and notifications go to ``deputy`` meanwhile (issue 18 §3). Set and cancelled
    through ``otklik.directory.absences``, journalled in the security log."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences", verbose_name=_("кто отсутствует")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deputising", verbose_name=_("замещающий")
    )
    starts_on = models.DateField(_("с"))
    ends_on = models.DateField(_("по"))
    comment = models.CharField(_("причина"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("создано"))
    cancelled_at = models.DateTimeField(_("отменено"), null=True, blank=True)

    class Meta:
        verbose_name = _("отсутствие")
        verbose_name_plural = _("отсутствия и замещения")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["user", "ends_on"], condition=Q(cancelled_at__isnull=True), name="absence_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y} → {self.deputy}"


class Network(models.TextChoices):
    VK = "vk", _("ВКонтакте")
    OK = "ok", _("Одноклассники")
    TELEGRAM = "telegram", _("Telegram")
    MAX = "max", _("MAX")
    OTHER = "other", _("Другое")


# Hosts an official account's URL must be on, per network (§6: the public list of accounts).
NETWORK_HOSTS: dict[str, tuple[str, ...]] = {
    Network.VK: ("vk.com", "vk.ru", "m.vk.com", "m.vk.ru", "vkontakte.ru"),
    Network.OK: ("ok.ru", "m.ok.ru", "odnoklassniki.ru"),
    Network.TELEGRAM: ("t.me", "telegram.me"),
    Network.MAX: ("max.ru", "web.max.ru"),
}

# §20: what each network takes as a file on a reply (see the connectors' ``publish``): VK
# comments and messages take photos and videos (``video.save``); OK's ``discussions.comment``
# takes photo tokens only, so no video; Telegram and MAX (messages) photos and videos. Other
# sources (manual entry) are answered by hand, so any accepted file goes. Checked on the
# draft form and when a repeat is given an earlier case's answer.
NETWORK_FILE_KINDS: dict[str, tuple[frozenset[str], str]] = {
    Network.VK: (frozenset({"photo", "video"}), "ВКонтакте к комментарию можно приложить только фото и видео"),
    Network.OK: (
        frozenset({"photo"}),
        "В Одноклассниках к комментарию можно приложить только фото — видео их API к комментарию не прикрепляет",
    ),
    Network.TELEGRAM: (frozenset({"photo", "video"}), "В Telegram к ответу можно приложить только фото и видео"),
    Network.MAX: (frozenset({"photo", "video"}), "В MAX к ответу можно приложить только фото и видео"),
}
# VK boards and photo comments (keys «topic-…_…_…», «photo-…_…_…»; see connectors.vk.discussions)
# are answered with text only.
_VK_TEXT_ONLY = re.compile(r"^(?:topic|photo)-?\d+_\d+_\d+$")


def file_kinds_for(network: str, source_key: str = "") -> tuple[frozenset[str] | None, str]:
    """The file kinds a reply to this message can carry (None: any) and why others are refused."""
    if network == Network.VK and _VK_TEXT_ONLY.match(source_key or ""):
        return frozenset(), "ВКонтакте к ответу в обсуждении или под фото файлы не прикладываются — только текст"
    return NETWORK_FILE_KINDS.get(network, (None, ""))


def url_matches_network(url: str, network: str) -> bool:
    """Whether ``url`` is an http(s) link to ``network``'s own site.

    Parsed, not pattern-matched: a userinfo part (``https://vk.com:443@evil.example/``),
    backslashes, whitespace or control characters refuse the link, and the host is
    compared exactly (``www.`` allowed), so ``vk.com.evil.example`` is not VK.
    """
    hosts = NETWORK_HOSTS.get(network)
    if hosts is None:
        return True
    url = url.strip()
    if not url or "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc:
        return False
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    return host in hosts


class OfficialAccount(models.Model):
    """An organization's official account in a network (§6)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("организация")
    )
    network = models.CharField(_("соцсеть"), max_length=16, choices=Network.choices)
    name = models.CharField(_("название"), max_length=200)
    url = models.URLField(_("адрес"), max_length=500)
    external_id = models.CharField(_("внешний идентификатор"), max_length=128, blank=True)
    credentials_encrypted = models.TextField(_("учётные данные (зашифрованы)"), blank=True, editable=False)
    is_public = models.BooleanField(_("показывать публично"), default=True)
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        verbose_name = _("официальный аккаунт")
        verbose_name_plural = _("официальные аккаунты")
        ordering = ["organization", "network", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "url"], name="account_unique_url"),
            models.UniqueConstraint(
                fields=["network", "external_id"], condition=~Q(external_id=""), name="account_unique_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()}: {self.name}"

    def clean(self) -> None:
        if self.url and self.network and not url_matches_network(self.url, self.network):
            hosts = ", ".join(NETWORK_HOSTS.get(self.network, ()))
            raise ValidationError(
                {
                    "url": _("Адрес не похож на адрес %(net)s (ожидается %(hosts)s).")
                    % {"net": self.get_network_display(), "hosts": hosts}
                }
            )

    @property
    def municipality(self) -> Municipality:
        return self.organization.municipality

    def get_credentials(self) -> dict[str, Any]:
        credentials = crypto.decrypt_json(self.credentials_encrypted)
        # Whatever is decrypted here is masked in every log line from now on.
        remember_secrets(
            v for k, v in credentials.items() if any(w in k.lower() for w in ("token", "key", "secret", "password"))
        )
        return credentials

    def set_credentials(self, data: dict[str, Any]) -> None:
        self.credentials_encrypted = crypto.encrypt_json(data)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class Heartbeat(models.Model):
    """The job consumer's last beat (proves background jobs run; read by /readyz)."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("пульс фоновых задач")
        verbose_name_plural = _("пульс фоновых задач")
