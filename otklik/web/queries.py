"""Read-side queries of the pages: the inbox views per role, filters, the feed, nav counts.

Every list starts from ``visible_cases(user)`` (the one door). The inbox is sorted by the
nearest deadline and paged by a keyset cursor (the position after the last row shown), not
by OFFSET and never with a COUNT, so page 200 costs what page 1 costs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from otklik.cases.access import visible_cases
from otklik.cases.models import Assignment, Case, Deadline, Post
from otklik.cases.workflow import CLOSED_STATUSES, Status
from otklik.directory.models import Network, Organization, Role, Topic
from otklik.directory.roles import scope_of

PAGE_SIZE = 25
OPEN_STATUSES = [s for s in Status.values if s not in CLOSED_STATUSES and s != Status.FEED]


@dataclass(frozen=True)
class InboxView:
    key: str
    title: str
    counts_in_nav: bool = False


SPECIALIST_VIEWS = [
    InboxView("route", "Направить исполнителю", True),
    InboxView("returned", "Возвращены исполнителями"),
    InboxView("review", "Проекты на согласовании", True),
    InboxView("coinfo", "Информация соисполнителей", True),
    InboxView("overdue", "Просроченные"),
    InboxView("all", "Все"),
]
EXECUTOR_VIEWS = [
    InboxView("assigned", "Направлены нам", True),
    InboxView("mine", "Мне"),  # not counted: its cases are counted in the views above already
    InboxView("revision", "На доработку", True),
    InboxView("approved", "Согласованы, разместить", True),
    InboxView("intermediate", "Ждут окончательного ответа"),
    InboxView("overdue", "Просроченные"),
    InboxView("all", "Все"),
]
READER_VIEWS = [
    InboxView("all", "Все"),
    InboxView("overdue", "Просроченные"),
    InboxView("significant", "Социально значимые"),
]


def role_kind(user: Any) -> str:
    """Which set of inbox views this user gets: ``specialist``, ``executor`` or ``reader``."""
    roles = scope_of(user).all_roles
    if Role.SPECIALIST in roles:
        return "specialist"
    if roles & {Role.EXECUTOR, Role.ORG_RESPONSIBLE}:
        return "executor"
    return "reader"


def views_for(user: Any) -> list[InboxView]:
    return {"specialist": SPECIALIST_VIEWS, "executor": EXECUTOR_VIEWS, "reader": READER_VIEWS}[role_kind(user)]


def _mine(user: Any, **extra: Any) -> Exists:
    return Exists(
        Assignment.objects.filter(
            case=OuterRef("pk"), is_active=True, organization_id__in=scope_of(user).organization_ids, **extra
        )
    )


def _assigned_to_me(user: Any, now: dt.datetime) -> Exists:
    """«Мне»: open parts assigned to the user, or to someone the user stands in for today (§3)."""
    from otklik.directory.people import deputising_for_query

    stood_in_for = deputising_for_query(user, at=now)
    return Exists(
        Assignment.objects.filter(case=OuterRef("pk"), is_active=True).filter(
            Q(assignee_id=user.pk) | Q(assignee_id__in=stood_in_for)
        )
    )


def view_filter(user: Any, key: str, now: dt.datetime) -> Q | Exists:
    if key == "mine":
        return Q(status__in=OPEN_STATUSES) & Q(_assigned_to_me(user, now))
    returned = Exists(Assignment.objects.filter(case=OuterRef("pk"), status=Assignment.AssignmentStatus.RETURNED))
    filters: dict[str, Any] = {
        "route": Q(status=Status.NEW),
        "returned": Q(status=Status.NEW) & Q(returned),
        "review": Q(status=Status.REVIEW),
        "coinfo": Q(status=Status.ASSIGNED)
        & Q(
            Exists(
                Assignment.objects.filter(
                    case=OuterRef("pk"), is_active=True, status=Assignment.AssignmentStatus.INFO_SUBMITTED
                )
            )
        ),
        "overdue": Q(status__in=OPEN_STATUSES, next_due_at__lt=now),
        "significant": Q(is_significant=True),
        "assigned": Q(status=Status.ASSIGNED)
        & Q(
            _mine(
                user,
                status__in=[Assignment.AssignmentStatus.ASSIGNED, Assignment.AssignmentStatus.INFO_RETURNED],
            )
        ),
        "revision": Q(status=Status.REVISION),
        "approved": Q(status=Status.APPROVED),
        "intermediate": Q(status=Status.INTERMEDIATE),
    }
    return filters.get(key, Q(status__in=[*OPEN_STATUSES, *CLOSED_STATUSES]))


def with_next_deadline(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate the nearest open deadline that asks for work (for the badge and its colour).

    The §10 return window is an option, not a task, so the badge shows the next real step;
    the list is still sorted by ``next_due_at`` (indexed).
    """
    nearest = (
        Deadline.objects.filter(case=OuterRef("pk"), closed_at__isnull=True)
        .exclude(stage="return_window")
        .order_by("due_at", "pk")
    )
    return qs.annotate(
        next_task_due_at=Subquery(nearest.values("due_at")[:1]),
        next_warn_at=Subquery(nearest.values("warn_at")[:1]),
        next_stage=Subquery(nearest.values("stage")[:1]),
        next_point=Subquery(nearest.values("point")[:1]),
    )


class InboxFilterForm(forms.Form):
    q = forms.CharField(label="Поиск по тексту", required=False, max_length=200)
    status = forms.ChoiceField(label="Статус", required=False)
    network = forms.ChoiceField(label="Соцсеть", required=False)
    topic = forms.ModelChoiceField(label="Тема", required=False, queryset=Topic.objects.none())
    organization = forms.ModelChoiceField(label="Организация", required=False, queryset=Organization.objects.none())
    date_from = forms.DateField(label="С", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="По", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label="Просроченные", required=False)
    significant = forms.BooleanField(label="Социально значимые", required=False)
    excluded = forms.BooleanField(label="Исключённые (п. 22)", required=False)

    def __init__(self, *args: Any, municipality_ids: set[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Любой"),
            *[(s.value, s.label) for s in Status if s != Status.FEED],
        ]
        self.fields["network"].choices = [("", "Любая"), *Network.choices]  # type: ignore[attr-defined]
        topics = Topic.objects.filter(is_active=True)
        orgs = Organization.objects.filter(is_active=True)
        if municipality_ids is not None:
            topics = topics.filter(municipality_id__in=municipality_ids)
            orgs = orgs.filter(municipality_id__in=municipality_ids)
        self.fields["topic"].queryset = topics  # type: ignore[attr-defined]
        self.fields["organization"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["topic"].empty_label = "Любая"  # type: ignore[attr-defined]
        self.fields["organization"].empty_label = "Любая"  # type: ignore[attr-defined]

    def is_active(self) -> bool:
        """Whether any filter is set (then the filter panel stays open)."""
        return self.is_valid() and any(v not in (None, "", False) for v in self.cleaned_data.values())

    def apply(self, qs: QuerySet[Case], now: dt.datetime, tz: Any) -> QuerySet[Case]:
        if not self.is_valid():
            return qs
        d = self.cleaned_data
        if d["q"]:
            qs = qs.filter(primary_post__text__icontains=d["q"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["network"]:
            qs = qs.filter(primary_post__network=d["network"])
        if d["topic"]:
            qs = qs.filter(topic=d["topic"])
        if d["organization"]:
            qs = qs.filter(
                Exists(Assignment.objects.filter(case=OuterRef("pk"), organization=d["organization"], is_active=True))
            )
        if d["date_from"]:
            qs = qs.filter(created_at__gte=dt.datetime.combine(d["date_from"], dt.time.min, tzinfo=tz))
        if d["date_to"]:
            qs = qs.filter(
                created_at__lt=dt.datetime.combine(d["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            )
        if d["overdue"]:
            qs = qs.filter(status__in=OPEN_STATUSES, next_due_at__lt=now)
        if d["significant"]:
            qs = qs.filter(is_significant=True)
        if d["excluded"]:
            qs = qs.filter(status=Status.EXCLUDED)
        return qs


def municipality_ids_of(user: Any) -> set[int] | None:
    """Municipalities whose directories (topics, organizations) this user may filter by; None = all."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer:
        return None
    return set(scope.roles_by_municipality)


def inbox_queryset(user: Any, view_key: str, form: InboxFilterForm, now: dt.datetime) -> QuerySet[Case]:
    qs = visible_cases(user).exclude(status=Status.FEED)
    qs = qs.filter(view_filter(user, view_key, now))
    qs = form.apply(qs, now, timezone.get_current_timezone())
    qs = qs.select_related("primary_post", "topic", "municipality")
    qs = with_next_deadline(qs)
    return qs.order_by(F("next_due_at").asc(nulls_last=True), "pk")


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def cursor_of(case: Case) -> str:
    """The position after ``case``: "<due_at in µs since 1970>.<pk>" (URL-safe, exact)."""
    due = case.next_due_at
    return f"{(due - EPOCH) // MICROSECOND if due else 'none'}.{case.pk}"


def after_cursor(qs: QuerySet[Case], cursor: str) -> QuerySet[Case]:
    """Rows after ``cursor`` in (next_due_at ASC NULLS LAST, pk) order; a bad cursor means the start."""
    cursor = cursor.strip()
    due_text, _, pk_text = cursor.partition(".")
    if not pk_text.isdigit():
        return qs
    pk = int(pk_text)
    if due_text == "none":
        return qs.filter(next_due_at__isnull=True, pk__gt=pk)
    if not due_text.lstrip("-").isdigit():
        return qs
    try:
        due = EPOCH + int(due_text) * MICROSECOND
    except OverflowError:
        return qs
    return qs.filter(Q(next_due_at__gt=due) | Q(next_due_at=due, pk__gt=pk) | Q(next_due_at__isnull=True))


def keyset_page(qs: QuerySet[Case], cursor: str, size: int | None = None) -> tuple[list[Case], str]:
    """One page after ``cursor`` and the cursor of the next page ("" when this is the last)."""
    size = size or PAGE_SIZE
    rows = list((after_cursor(qs, cursor) if cursor else qs)[: size + 1])
    page = rows[:size]
    return page, (cursor_of(page[-1]) if len(rows) > size else "")


def page_of(qs: QuerySet[Any], page: int, size: int = PAGE_SIZE) -> tuple[list[Any], bool]:
    """One page and whether there is a next one (LIMIT size+1, no COUNT)."""
    start = (page - 1) * size
    rows = list(qs[start : start + size + 1])
    return rows[:size], len(rows) > size


def attach_organizations(cases: list[Case]) -> None:
    """Set ``case.active_assignments`` for a page of cases in one query."""
    by_case: dict[int, list[Assignment]] = {c.pk: [] for c in cases}
    for a in (
        Assignment.objects.filter(case_id__in=by_case, is_active=True)
        .select_related("organization")
        .order_by("case_id", "role", "pk")
    ):
        by_case[a.case_id].append(a)
    for c in cases:
        c.active_assignments = by_case[c.pk]  # type: ignore[attr-defined]


def feed_queryset(user: Any) -> QuerySet[Case]:
    scope = scope_of(user)
    qs = visible_cases(user).filter(status=Status.FEED)
    if not (scope.is_superuser or scope.global_observer):
        # Only those who pick messages out (§9.1) work the feed; executors never see it.
        specialist_munis = {
            m for m, roles in scope.roles_by_municipality.items() if roles & {Role.SPECIALIST, Role.COORDINATOR}
        }
        qs = qs.filter(municipality_id__in=specialist_munis)
    related = ["primary_post", "topic"]
    if triage_available():
        related.append("primary_post__triage")
    return qs.select_related(*related).order_by("-primary_post__published_at", "-pk")


def triage_available() -> bool:
    """True when the triage app's per-post results exist in this build."""
    return hasattr(Post, "triage")


def triage_of(post: Post | None) -> Any:
    if post is None or not triage_available():
        return None
    try:
        return post.triage  # type: ignore[attr-defined]
    except Exception:  # RelatedObjectDoesNotExist: not triaged yet
        return None


# Counts in the navigation stop at this number (shown as «999+»): exact counts of a huge
# backlog cost a scan, and nobody needs to know whether it is 1,200 or 1,300.
COUNT_CAP = 999


def capped_count(qs: QuerySet[Any]) -> int:
    """``min(qs.count(), COUNT_CAP + 1)`` reading at most COUNT_CAP + 1 index entries."""
    return qs.order_by().values("pk")[: COUNT_CAP + 1].count()


def nav_counts(user: Any) -> dict[str, int]:
    """Counts of the inbox views that show in the navigation (cached on the user for the request)."""
    cached = getattr(user, "_otklik_nav_counts", None)
    if cached is not None:
        return cached
    now = timezone.now()
    # Only open cases can be in a counted view: the status index keeps this cheap on millions.
    qs = visible_cases(user).filter(status__in=OPEN_STATUSES)
    counts = {v.key: capped_count(qs.filter(view_filter(user, v.key, now))) for v in views_for(user) if v.counts_in_nav}
    user._otklik_nav_counts = counts
    return counts


def feed_count(user: Any) -> int:
    return capped_count(feed_queryset(user))
