"""API credentials: personal tokens of people and service tokens of integrations.

A token is shown once, when it is created; only its SHA-256 is stored. Tokens are
long random strings, so a plain (unsalted, fast) hash is enough: nobody can guess
one from the hash, and lookup by hash stays a single indexed query per request.

Format: ``otk_<kind>_<random>`` where kind is ``p`` (personal) or ``s`` (service), so
a leaked token is recognisable in logs and by secret scanners.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality

PERSONAL_PREFIX = "otk_p_"
SERVICE_PREFIX = "otk_s_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class TokenBase(models.Model):
    name = models.CharField(_("название"), max_length=100)
    # The first characters of the token, shown in lists so people can tell tokens apart.
    hint = models.CharField(_("начало токена"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("создан"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("действует до"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    PREFIX = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(cls, **fields: Any) -> tuple[Any, str]:
        """Create a token; return ``(row, raw)``. ``raw`` is never stored and cannot be shown again."""
        raw = new_secret(cls.PREFIX)
        row = cls.objects.create(token_hash=hash_token(raw), hint=raw[: len(cls.PREFIX) + 6], **fields)  # type: ignore[attr-defined]
        return row, raw

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def touch(self) -> None:
        """Record use, at most once a minute (a write per request would cost more than the request)."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= 60:
            type(self).objects.filter(pk=self.pk).update(last_used_at=now)  # type: ignore[attr-defined]
            self.last_used_at = now


class ApiToken(TokenBase):
    """A person's token: acts with exactly that person's rights."""

    PREFIX = PERSONAL_PREFIX

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("пользователь")
    )

    class Meta:
        verbose_name = _("личный токен API")
        verbose_name_plural = _("личные токены API")
        ordering = ["-created_at"]


class ServicePermission(models.TextChoices):
    PUSH = "push", _("Передача сообщений (push)")
    EXPORT = "export", _("Выгрузка обращений")
    READ = "read", _("Чтение обращений и справочников")


class ServiceToken(TokenBase):
    """An integration's token (regional centre, monitoring service): one municipality, listed permissions."""

    PREFIX = SERVICE_PREFIX

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="service_tokens", verbose_name=_("муниципалитет")
    )
    permissions = models.JSONField(_("права"), default=list, help_text=_("Список из: push, export, read."), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("сервисный токен API")
        verbose_name_plural = _("сервисные токены API")
        ordering = ["-created_at"]

    def has_permission(self, permission: str) -> bool:
        return permission in (self.permissions or [])
