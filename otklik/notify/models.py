"""Notifications: what a person is told (in-app), and how it reached them (Delivery per channel).

A :class:`Notification` is the in-app message (the bell). For every other channel the
person has switched on, a :class:`Delivery` row records the attempt: pending until sent,
retried with backoff, and ``failed`` (visible in the admin) when the attempts run out.
Nothing is ever dropped silently.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality


class Channel(models.TextChoices):
    EMAIL = "email", _("Электронная почта")
    TELEGRAM = "telegram", _("Telegram")


class NotifySettings(models.Model):
    """A person's channel choices and their linked Telegram chat."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_settings")
    email_enabled = models.BooleanField(_("уведомлять по электронной почте"), default=True)
    telegram_enabled = models.BooleanField(_("уведомлять в Telegram"), default=True)
    telegram_chat_id = models.CharField(_("чат Telegram"), max_length=64, blank=True)
    telegram_linked_at = models.DateTimeField(null=True, blank=True)
    link_code = models.CharField(max_length=16, blank=True, db_index=True)
    link_code_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("настройки уведомлений")
        verbose_name_plural = _("настройки уведомлений")

    def __str__(self) -> str:
        return str(self.user)


class Notification(models.Model):
    """One message to one person; shown under the bell until read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(_("вид"), max_length=48)
    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(_("текст"), blank=True)
    url = models.CharField(_("ссылка"), max_length=500, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    # Files sent with it by e-mail and Telegram, as a reference to rebuild them from
    # ("monthly_report:42", see notify/attachments.py) — never the bytes themselves.
    attachment_ref = models.CharField(_("вложения"), max_length=200, blank=True)
    # §24 reports go out at once on every channel, quiet hours or not.
    urgent = models.BooleanField(_("срочно"), default=False)
    # The same event handled twice (a retried job) must not notify twice.
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(_("создано"))
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_unique_event")]
        indexes = [
            models.Index(
                fields=["user", "created_at"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One notification through one outside channel."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Ожидает отправки")
        SENT = "sent", _("Отправлено")
        FAILED = "failed", _("Не доставлено")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("канал"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("адрес"), max_length=320)
    status = models.CharField(_("статус"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("попыток"), default=0)
    # A message in several parts (Telegram: the text, then each document): how many have
    # gone out already, so a retry sends only the rest and never repeats the text.
    parts_sent = models.PositiveSmallIntegerField(_("отправлено частей"), default=0)
    # Quiet hours and backoff both move this forward; the sender takes what is due.
    next_attempt_at = models.DateTimeField(_("следующая попытка"))
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    created_at = models.DateTimeField(_("создано"))
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)

    class Meta:
        verbose_name = _("доставка уведомления")
        verbose_name_plural = _("доставка уведомлений")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}"


class BotCursor(models.Model):
    """Where the notification bot's getUpdates left off (linking by one-time code)."""

    name = models.CharField(max_length=64, unique=True)
    offset = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)


# Backoff after a failed attempt: 1, 2, 4, ... minutes, capped; then the delivery is failed.
MAX_ATTEMPTS = 8
MAX_BACKOFF = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)
