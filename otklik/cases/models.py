"""Posts, cases and everything that happens to them (DESIGN.md "Domain").

Nothing here changes state by itself: every write goes through ``otklik/cases/actions.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.cases.workflow import Status
from otklik.directory.models import Municipality, Network, OfficialAccount, Organization, Topic


class Post(models.Model):
    """One stored message from a network (or entered by hand). Unique on (network, source_key)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="posts")
    case = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="posts", null=True, blank=True)
    network = models.CharField(_("соцсеть"), max_length=16, choices=Network.choices)
    source_key = models.CharField(_("ключ в источнике"), max_length=255)
    url = models.URLField(_("ссылка"), max_length=1000, blank=True)
    author_id = models.CharField(max_length=128, blank=True)
    author_name = models.CharField(_("автор"), max_length=300, blank=True)
    author_url = models.URLField(max_length=1000, blank=True)
    text = models.TextField(_("текст"), blank=True)
    attachments = models.JSONField(default=list, blank=True)
    parent_key = models.CharField(max_length=255, blank=True)
    published_at = models.DateTimeField(_("опубликовано"))
    collected_at = models.DateTimeField(_("собрано"), auto_now_add=True)
    account = models.ForeignKey(OfficialAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    raw = models.JSONField(default=dict, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("сообщение")
        verbose_name_plural = _("сообщения")
        constraints = [models.UniqueConstraint(fields=["network", "source_key"], name="post_unique_source")]
        indexes = [
            models.Index(fields=["author_id", "published_at"], name="post_author_idx"),
            models.Index(fields=["network", "parent_key"], name="post_parent_idx"),
            # The dashboard's messages by network in a period, read from the index alone.
            models.Index(fields=["municipality", "collected_at"], include=["network"], name="post_collected_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.network}:{self.source_key}"


class Case(models.Model):
    """The unit of work («инцидент»)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="cases")
    status = models.CharField(_("статус"), max_length=16, choices=Status.choices, default=Status.FEED)
    primary_post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("сообщение")
    )
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("тема"))
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)
    detected_at = models.DateTimeField(_("выявлено"), null=True, blank=True)
    # Who picked the message out (§9.1); empty when it arrived detected (triage, the regional
    # centre) — kept on the case so the §9.2 feed-wait figures group cases without reading events.
    detected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("кто выявил"),
    )  # fmt: skip
    routed_at = models.DateTimeField(_("направлено"), null=True, blank=True)
    answered_at = models.DateTimeField(_("ответ размещён"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every action: a form or API call that carries an older version gets CaseChanged.
    version = models.PositiveIntegerField(default=1)
    # §24
    is_significant = models.BooleanField(_("социально значимое"), default=False)
    significant_reason = models.TextField(blank=True)
    significant_at = models.DateTimeField(null=True, blank=True)
    # §22
    excluded_reason = models.CharField(max_length=16, blank=True)
    excluded_comment = models.TextField(blank=True)
    dismissed_reason = models.TextField(blank=True)
    # §19
    repeat_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="repeats", verbose_name=_("повтор")
    )
    # Denormalised for the inbox: the nearest open deadline, kept by the actions.
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        indexes = [
            models.Index(fields=["municipality", "status", "next_due_at"], name="case_inbox_idx"),
            # Includes the topic: the dashboard's messages by topic in a period from the index alone.
            models.Index(fields=["municipality", "created_at"], include=["topic"], name="case_created_idx"),
            # The dashboard's «социально значимые за 7 дней»: a handful of rows, never a scan.
            models.Index(
                fields=["municipality", "significant_at"],
                condition=Q(is_significant=True),
                name="case_significant_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"№{self.pk}"

    def get_absolute_url(self) -> str:
        return f"/cases/{self.pk}/"


class Assignment(models.Model):
    """An organization's part in a case (§9.2, §17)."""

    class Role(models.TextChoices):
        SOLE = "sole", _("Исполнитель")
        LEAD = "lead", _("Основной исполнитель")
        CO = "co", _("Соисполнитель")

    class AssignmentStatus(models.TextChoices):
        ASSIGNED = "assigned", _("Направлено")
        RETURNED = "returned", _("Возвращено (п. 10)")
        INFO_SUBMITTED = "info_submitted", _("Информация направлена")
        INFO_APPROVED = "info_approved", _("Информация согласована")
        INFO_RETURNED = "info_returned", _("Информация возвращена")
        CANCELLED = "cancelled", _("Снято")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=8, choices=Role.choices)
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    is_active = models.BooleanField(default=True)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # §7, issue 18: the named executor the organization's responsible gave the case to (or nobody:
    # then the whole organization holds it and its responsible answers for it).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_parts",
        verbose_name=_("исполнитель (лично)"),
    )
    return_reason = models.TextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    # §18: the co-executor's part
    info_text = models.TextField(blank=True)
    info_attachments = models.JSONField(default=list, blank=True)
    info_submitted_at = models.DateTimeField(null=True, blank=True)
    info_remarks = models.TextField(blank=True)
    info_reviewed_at = models.DateTimeField(null=True, blank=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("назначение")
        verbose_name_plural = _("назначения")
        indexes = [
            models.Index(fields=["organization", "is_active"], name="assignment_org_idx"),
            # «Мне»: a person's own active parts.
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False, is_active=True), name="assignment_assignee_idx"
            ),
            # «Информация соисполнителей» (its count is in the navigation): few rows, found directly.
            models.Index(
                fields=["case"],
                condition=Q(is_active=True, status="info_submitted"),
                name="assignment_info_submitted_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organization"], condition=Q(is_active=True), name="assignment_unique_active"
            ),
        ]


class CaseOrganization(models.Model):
    """An organization that sees a case: it has (or had) an assignment on it.

    One row per (organization, case), created with the assignment, carrying a copy of
    ``Case.next_due_at`` (kept equal by every action and by the sweep), so that an
    executor's list is read in deadline order straight from one index instead of sorting
    every case the organization ever had (the API case list, ``otklik.api.endpoints.cases``).
    Who may see what is still decided by assignments (``visible_cases``); this is an index.
    """

    # Indexed by migration 0004: (organization, next_due_at ASC NULLS LAST, case DESC) on PostgreSQL.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="organization_links", db_index=False)
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("организация обращения")
        verbose_name_plural = _("организации обращений")
        constraints = [models.UniqueConstraint(fields=["case", "organization"], name="case_organization_unique")]


class Draft(models.Model):
    """A proposed answer (§11, §14, §15)."""

    class Kind(models.TextChoices):
        FINAL = "final", _("Ответ")
        INTERMEDIATE = "intermediate", _("Промежуточный ответ")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("На согласовании")
        APPROVED = "approved", _("Согласован")
        RETURNED = "returned", _("Возвращён на доработку")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FINAL)
    text = models.TextField()
    attachments = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    remarks = models.TextField(blank=True)

    class Meta:
        verbose_name = _("проект ответа")
        verbose_name_plural = _("проекты ответов")
        ordering = ["case", "version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="draft_unique_version")]


class Publication(models.Model):
    """An answer posted in the network (§12, §16). Recorded pending before any network call."""

    class PubStatus(models.TextChoices):
        PENDING = "pending", _("Публикуется")
        PUBLISHED = "published", _("Опубликован")
        FAILED = "failed", _("Ошибка публикации")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="publications")
    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(max_length=16, choices=Draft.Kind.choices)
    account = models.ForeignKey(OfficialAccount, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(max_length=16, choices=PubStatus.choices, default=PubStatus.PENDING)
    external_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt was asked for (the row is reused by a retry): the confirm
    # timeout (PUBLICATION_CONFIRM_MINUTES) counts from here.
    pending_since = models.DateTimeField(null=True, blank=True)
    # A delivery is talking to the network until then: a person may not fail or re-publish it
    # meanwhile (nothing posted twice); past it the delivery is presumed dead and the sweep
    # reconciles with the network.
    lease_until = models.DateTimeField(null=True, blank=True)
    # Network ids of the parts of a multi-part answer (a Telegram album) already posted, or of
    # the files already uploaded for it (VK), in order: a retry continues after them instead
    # of posting or uploading them again.
    parts = models.JSONField(default=list, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    @staticmethod
    def delivery_timeout() -> dt.timedelta:
        """A pending answer no delivery has touched for this long is stuck (the worker died or
        the job was lost): the sweep delivers it again, people may retry or post it by hand."""
        return dt.timedelta(seconds=int(getattr(settings, "PUBLICATION_DELIVERY_TIMEOUT_SECONDS", 120)))

    @classmethod
    def in_flight(cls, now: dt.datetime) -> Q:
        """Pending and not stuck: a delivery holds the lease, or the answer was sent only just now."""
        return Q(status=cls.PubStatus.PENDING) & (
            Q(lease_until__gt=now) | Q(pending_since__gt=now - cls.delivery_timeout()) | Q(pending_since__isnull=True)
        )

    def is_stuck(self, now: dt.datetime) -> bool:
        return (
            self.status == self.PubStatus.PENDING
            and (self.lease_until is None or self.lease_until <= now)
            and self.pending_since is not None
            and self.pending_since <= now - self.delivery_timeout()
        )

    class Meta:
        verbose_name = _("публикация")
        verbose_name_plural = _("публикации")
        constraints = [
            # At most one publication in flight or done per draft: a retry reuses the row.
            models.UniqueConstraint(
                fields=["draft"], condition=~Q(status="failed"), name="publication_one_live_per_draft"
            ),
        ]
        # The publication sweep reads only the few rows in flight.
        indexes = [
            models.Index(fields=["pending_since"], condition=Q(status="pending"), name="publication_pending_idx"),
        ]


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    """The regulation's one rule of a violation, for the §23 report, the dashboard, the API and the SLA.

    A deadline counts unless it was cancelled or lapsed; an open return window never counts (§10:
    it lapses when its time passes, only a late return breaks it). A counted deadline is *late*
    when it was met after ``due_at`` or is still open at or after ``due_at``.
    """

    EXCLUDED_OUTCOMES = ("cancelled", "lapsed")
    NEVER_BREACHED = ("return_window",)

    def counted(self) -> DeadlineQuerySet:
        return self.exclude(outcome__in=self.EXCLUDED_OUTCOMES).exclude(
            stage__in=self.NEVER_BREACHED, closed_at__isnull=True
        )

    @staticmethod
    def late_q(now: Any) -> Q:
        return Q(closed_at__gt=F("due_at")) | Q(closed_at__isnull=True, due_at__lte=now)

    def with_late(self, now: Any) -> DeadlineQuerySet:
        """Counted deadlines with a boolean ``late`` annotation (for on-time shares)."""
        return self.counted().annotate(late=ExpressionWrapper(self.late_q(now), output_field=BooleanField()))

    def violations(self, now: Any) -> DeadlineQuerySet:
        return self.counted().filter(self.late_q(now))

    def overdue(self, now: Any) -> DeadlineQuerySet:
        """Open deadlines past due right now."""
        return self.counted().filter(closed_at__isnull=True, due_at__lte=now)

    def with_clock_minutes(self, now_clocks: dict[int, tuple[int, int]]) -> DeadlineQuerySet:
        """``taken_minutes`` and ``late_minutes`` (by ``now`` for open rows) from the stored clock readings.

        ``now_clocks`` maps a municipality id to its clock readings of ``now`` (working, calendar):
        computed once per calendar by ``otklik.regulation.services.now_clocks``, never per row.
        """
        whens = []
        for municipality_id, (working, calendar) in now_clocks.items():
            whens.append(When(municipality_id=municipality_id, limit_unit="calendar_minutes", then=Value(calendar)))
            whens.append(When(municipality_id=municipality_id, then=Value(working)))
        end = Coalesce("close_clock", models.Case(*whens, default=Value(None), output_field=models.BigIntegerField()))
        return self.annotate(
            taken_minutes=ExpressionWrapper((end - F("start_clock")) / 60, output_field=models.BigIntegerField()),
            late_minutes=ExpressionWrapper((end - F("due_clock")) / 60, output_field=models.BigIntegerField()),
        )


def is_late(deadline: Deadline, now: Any) -> bool:
    """``DeadlineQuerySet.violations`` for one loaded row (the same rule, read in Python)."""
    if deadline.outcome in DeadlineQuerySet.EXCLUDED_OUTCOMES:
        return False
    if deadline.closed_at is not None:
        return deadline.closed_at > deadline.due_at
    return deadline.stage not in DeadlineQuerySet.NEVER_BREACHED and deadline.due_at <= now


class Deadline(models.Model):
    """One timer of the regulation. The §23 report and every SLA figure read these rows."""

    class Outcome(models.TextChoices):
        MET = "met", _("Выполнено")
        CANCELLED = "cancelled", _("Отменено")
        LAPSED = "lapsed", _("Истекло без действия")

    # Index budget: every mark of the sweep (warned_at, breached_at, a lapse's closed_at) changes a
    # column of a partial index's predicate, so no mark is a HOT update: each one writes a new entry
    # into every index the marked row is still in. Only indexes some query needs are kept, and those
    # on often empty columns (assignment, user, closed_by) are partial ("IS NOT NULL"). See 0005.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    # The case's municipality, copied when the clock starts: reports and the dashboard read a
    # municipality's deadlines of a period from one index, without joining every case.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines", db_index=False
    )
    stage = models.CharField(_("этап"), max_length=32)
    point = models.CharField(_("пункт регламента"), max_length=16)
    # Indexed: the dashboard and reports filter by organization.
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, db_index=False)
    limit_value = models.PositiveIntegerField()
    limit_unit = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # Clock readings in the limit's own kind of time (working seconds for working limits, plain
    # seconds for calendar minutes) since ``regulation.services.CLOCK_ORIGIN``, taken with the
    # municipality's calendar when the clock starts and when it is met: every figure of time taken
    # or time late is a subtraction in the database (reports, dashboard), never a calendar per row.
    start_clock = models.BigIntegerField(null=True, blank=True, editable=False)
    due_clock = models.BigIntegerField(null=True, blank=True, editable=False)
    close_clock = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("срок")
        verbose_name_plural = _("сроки")
        indexes = [
            # Open deadlines by due time: overdue counts (metrics, dashboard, SLA).
            models.Index(fields=["due_at"], condition=Q(closed_at__isnull=True), name="deadline_open_due_idx"),
            # The sweep's work lists: only rows it still has to mark (otklik/cases/sweep.py).
            models.Index(
                fields=["warn_at"],
                condition=Q(closed_at__isnull=True, warned_at__isnull=True),
                name="deadline_warn_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(closed_at__isnull=True, breached_at__isnull=True),
                name="deadline_breach_idx",
            ),
            # record_return() looks a window up by its assignment; deleting a case cascades through
            # its assignments. Route and review clocks have none.
            models.Index(fields=["assignment"], condition=Q(assignment__isnull=False), name="deadline_assignment_idx"),
            # For deleting a user (SET NULL and the foreign-key check). `closed_by` is empty on every
            # open row; `user` (the official holding the stage, issue 18 §3) is set on most executor
            # rows now, so the sweep's marks write into deadline_user_idx too (kept: small, one column).
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="deadline_user_idx"),
            models.Index(fields=["closed_by"], condition=Q(closed_by__isnull=False), name="deadline_closed_by_idx"),
            # Reports and the dashboard: a municipality's deadlines falling due in a period. Its
            # columns never change after the insert, so the sweep's marks stay cheap here.
            models.Index(fields=["municipality", "due_at"], name="deadline_municipality_due_idx"),
            # The median time to the first answer: §16 clocks met in a period (closed rows only).
            models.Index(
                fields=["municipality", "closed_at"],
                condition=Q(stage="publish_total", outcome="met"),
                name="deadline_first_answer_idx",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_violation(self) -> bool:
        return is_late(self, timezone.now())


class CaseEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("CaseEvent is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("CaseEvent is append-only")

    def redact(self, pk: int, data: dict[str, Any]) -> int:
        """The one change an event allows: 152-ФЗ erasure removes an author's data from its payload
        (``otklik.ops.personal_data.erase_author``). Who did what and when stays."""
        return models.QuerySet.update(self.filter(pk=pk), data=data)


class CaseEvent(models.Model):
    """Append-only audit log: who did what to a case, with before/after."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=48)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("событие")
        verbose_name_plural = _("журнал событий")
        ordering = ["created_at", "id"]
        indexes = [
            # Reports count one kind of event in a period (e.g. unsatisfactory answers, §3).
            models.Index(fields=["kind", "created_at"], name="caseevent_kind_created_idx"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("CaseEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("CaseEvent is append-only")
