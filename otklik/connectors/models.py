"""Collection state per official account, publication attempts, file imports."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality, OfficialAccount


def default_interval() -> int:
    return int(getattr(settings, "CONNECTORS_COLLECT_EVERY_MINUTES", 5))


class WatchedCommunity(models.Model):
    """A third-party community a municipality watches (by link), read with an official account's keys.

    Its messages are stored as collected through ``account`` (so answers go from that
    official account by default); name, members and «открыто/закрыто» are fetched when
    it is added. Closed communities are refused then.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="watched_communities",
        verbose_name=_("читать ключами аккаунта"),
    )  # fmt: skip
    network = models.CharField(_("соцсеть"), max_length=16, default="vk")
    link = models.CharField(_("ссылка"), max_length=500)
    external_id = models.CharField(_("внешний идентификатор"), max_length=128)
    screen_name = models.CharField(max_length=128, blank=True)
    name = models.CharField(_("название"), max_length=300)
    members_count = models.PositiveIntegerField(_("участников"), null=True, blank=True)
    is_closed = models.BooleanField(_("закрытое"), default=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("сообщество под наблюдением")
        verbose_name_plural = _("сообщества под наблюдением")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "network", "external_id"], name="watched_unique_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        if self.network == "ok":
            return (
                f"https://ok.ru/{self.screen_name}" if self.screen_name else f"https://ok.ru/group/{self.external_id}"
            )
        return f"https://vk.com/{self.screen_name or 'club' + self.external_id}"


class CollectionState(models.Model):
    """Where collection from one account (or one watched community) stands.
    The cursor only moves past stored rows."""

    account = models.OneToOneField(
        OfficialAccount, on_delete=models.CASCADE, related_name="collection_state", verbose_name=_("аккаунт"),
        null=True, blank=True,
    )  # fmt: skip
    watched = models.OneToOneField(
        WatchedCommunity, on_delete=models.CASCADE, related_name="collection_state", null=True, blank=True
    )
    enabled = models.BooleanField(_("собирать"), default=True)
    interval_minutes = models.PositiveIntegerField(
        _("интервал сбора, мин"), null=True, blank=True, help_text=_("Пусто — значение по умолчанию из настроек.")
    )
    cursor = models.JSONField(default=dict, blank=True)
    last_run_at = models.DateTimeField(_("последний запуск"), null=True, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(_("последний успешный сбор"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("последняя ошибка"), null=True, blank=True)
    last_error = models.TextField(_("текст ошибки"), blank=True)
    last_error_permanent = models.BooleanField(default=False)
    collected_day = models.DateField(null=True, blank=True)
    collected_today = models.PositiveIntegerField(_("собрано сегодня"), default=0)
    collected_total = models.PositiveBigIntegerField(_("собрано всего"), default=0)
    changes_total = models.PositiveBigIntegerField(_("правок и удалений"), default=0)
    calls_day = models.DateField(null=True, blank=True)
    calls_today = models.PositiveIntegerField(_("запросов к API сегодня"), default=0)

    class Meta:
        verbose_name = _("состояние сбора")
        verbose_name_plural = _("состояния сбора")
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False, watched__isnull=True)
                | Q(account__isnull=True, watched__isnull=False),
                name="collection_state_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account or self.watched}"

    @property
    def interval(self) -> dt.timedelta:
        minutes = self.interval_minutes if self.interval_minutes is not None else default_interval()
        return dt.timedelta(minutes=minutes)

    @property
    def current_error(self) -> str:
        """The last error, unless a successful collection came after it."""
        if not self.last_error or (
            self.last_success_at and self.last_error_at and self.last_success_at > self.last_error_at
        ):
            return ""
        return self.last_error

    def today_count(self, field: str) -> int:
        day = self.collected_day if field == "collected_today" else self.calls_day
        return int(getattr(self, field)) if day == timezone.localdate() else 0

    @property
    def collected_today_now(self) -> int:
        return self.today_count("collected_today")

    @property
    def calls_today_now(self) -> int:
        return self.today_count("calls_today")

    def is_due(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.enabled and (self.last_run_at is None or self.last_run_at + self.interval <= now)


class DeliveryAttempt(models.Model):
    """One try to post a publication. Written (and committed) *before* the network call,
    so a retry knows an earlier try may have reached the network and checks first."""

    publication = models.ForeignKey("cases.Publication", on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, blank=True)  # published / found / failed / transient / unverifiable
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]


PARSE_STALLED_AFTER = dt.timedelta(minutes=15)


class ImportJob(models.Model):
    """A file import: parsed once by a job, previewed, then saved all at once (or not at all).

    The upload request only stores the file; the parse job reads it (row and time caps), keeps the
    checked rows in ``rows`` and the first few in ``preview``, and drops the file. The save job
    stores ``rows`` — nothing is parsed twice, and nothing is parsed in a request."""

    class State(models.TextChoices):
        PARSING = "parsing", _("Проверяется")
        PREVIEW = "preview", _("Предпросмотр")
        RUNNING = "running", _("Загружается")
        DONE = "done", _("Загружен")
        FAILED = "failed", _("Ошибка")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PARSING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "error": "..."}]
    rows = models.JSONField(default=list, blank=True)  # the checked messages, see importing.message_to_row
    preview = models.JSONField(default=list, blank=True)  # the first rows, for the preview page
    message = models.TextField(blank=True)

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def parse_stalled(self) -> bool:
        """Still «parsing» long after the job's time cap: its worker died or the queue is stuck."""
        return self.state == self.State.PARSING and self.created_at < timezone.now() - PARSE_STALLED_AFTER
