"""The read side of cases: the inbox's views, filters, search, order and keyset pages.

The pages (``/inbox/``) and the API (``GET /api/v1/cases``) both list cases through here:
one definition of each view, one search, one order — the nearest deadline first
(``Case.next_due_at``, see ``deadlines.open_tasks``), then the newest case — and one cursor
format. Every list starts from the one door (``access.visible_cases``). Pages are keyset
pages (the position after the last row shown), never OFFSET and never a COUNT, so page 200
costs what page 1 costs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Exists, F, FilteredRelation, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, TextField
from django.db.models.lookups import IsNull

from otklik.cases import params
from otklik.cases.access import single_organization, visible_cases
from otklik.cases.deadlines import open_tasks
from otklik.cases.models import Assignment, Case
from otklik.cases.workflow import CLOSED_STATUSES, Status
from otklik.directory.models import Role
from otklik.directory.people import deputising_for_query
from otklik.directory.roles import scope_of

PAGE_SIZE = 25
OPEN_STATUSES = [s for s in Status.values if s not in CLOSED_STATUSES and s != Status.FEED]
DEADLINE, CREATED = "deadline", "-created"  # the two orders


@dataclass(frozen=True)
class InboxView:
    key: str
    title: str
    counts_in_nav: bool = False


SPECIALIST_VIEWS = [
    InboxView("route", "Направить исполнителю", True),
    InboxView("returned", "Возвращены исполнителями", True),  # a part of «Направить исполнителю»
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
    roles = scope_of(user).all_roles if user is not None else set()
    if roles & {Role.SPECIALIST, Role.COORDINATOR}:  # the coordinator may do all a specialist does
        return "specialist"
    if roles & {Role.EXECUTOR, Role.ORG_RESPONSIBLE}:
        return "executor"
    return "reader"


def views_for(user: Any) -> list[InboxView]:
    """The inbox views of ``user`` (None: a service token, which reads like an observer)."""
    return {"specialist": SPECIALIST_VIEWS, "executor": EXECUTOR_VIEWS, "reader": READER_VIEWS}[role_kind(user)]


def _mine(user: Any, **extra: Any) -> IsNull:
    """The case has an active assignment of the user's organizations (``extra``: more conditions).

    Written as "(a scalar subquery) IS NOT NULL", not EXISTS: PostgreSQL turns EXISTS into a
    join whose size it underestimates by orders of magnitude (an organization's assignments and
    its cases are the same few thousand), and then sorts every case of the organization
    instead of walking them in deadline order."""
    mine = Assignment.objects.filter(
        case=OuterRef("pk"), is_active=True, organization_id__in=scope_of(user).organization_ids, **extra
    )
    return IsNull(Subquery(mine.values("pk")[:1]), False)


def _assigned_to_me(user: Any, now: dt.datetime) -> Exists:
    """«Мне»: open parts assigned to the user, or to someone the user stands in for today (§3)."""
    stood_in_for = deputising_for_query(user, at=now)
    return Exists(
        Assignment.objects.filter(case=OuterRef("pk"), is_active=True).filter(
            Q(assignee_id=user.pk) | Q(assignee_id__in=stood_in_for)
        )
    )


def view_filter(user: Any, key: str, now: dt.datetime) -> Q:
    """The condition of the inbox view ``key`` (an unknown key: every case but the feed)."""
    if key == "mine":
        return Q(status__in=OPEN_STATUSES) & Q(_assigned_to_me(user, now))
    active = Assignment.objects.filter(case=OuterRef("pk"), is_active=True)
    returned = Assignment.objects.filter(case=OuterRef("pk"), status=Assignment.AssignmentStatus.RETURNED)
    A = Assignment.AssignmentStatus
    if key == "route":
        return Q(status=Status.NEW)
    if key == "returned":
        return Q(status=Status.NEW) & Q(Exists(returned))
    if key == "review":
        return Q(status=Status.REVIEW)
    if key == "coinfo":
        return Q(status=Status.ASSIGNED) & Q(Exists(active.filter(status=A.INFO_SUBMITTED)))
    if key == "overdue":
        return Q(status__in=OPEN_STATUSES, next_due_at__lt=now)
    if key == "significant":
        return Q(is_significant=True)
    if key == "assigned":
        return Q(status=Status.ASSIGNED) & Q(_mine(user, status__in=[A.ASSIGNED, A.INFO_RETURNED]))
    if key in ("revision", "approved", "intermediate"):
        return Q(status=key)
    return Q(status__in=[*OPEN_STATUSES, *CLOSED_STATUSES])


@dataclass(frozen=True)
class Filters:
    """The inbox's filters (the page's form and the API's query parameters), combined with AND."""

    q: str = ""
    status: str = ""
    network: str = ""
    topic: int | None = None
    organization: int | None = None
    municipality: str = ""  # its slug
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool = False
    significant: bool = False
    excluded: bool = False


def apply_filters(qs: QuerySet[Case], f: Filters, now: dt.datetime, tz: Any) -> QuerySet[Case]:
    params.check_period(f.date_from, f.date_to)  # ValidationFailed (400) instead of an overflow
    # The feed is a list of its own: shown only when asked for by its status.
    qs = qs.filter(status=f.status) if f.status else qs.exclude(status=Status.FEED)
    if f.network:
        qs = qs.filter(primary_post__network=f.network)
    if f.topic is not None:
        qs = qs.filter(topic_id=f.topic)
    if f.organization is not None:
        qs = qs.filter(
            Exists(Assignment.objects.filter(case=OuterRef("pk"), organization_id=f.organization, is_active=True))
        )
    if f.municipality:
        qs = qs.filter(municipality__slug=f.municipality)
    if f.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(created_at__lt=dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, next_due_at__lt=now)
    if f.significant:
        qs = qs.filter(is_significant=True)
    if f.excluded:
        qs = qs.filter(status=Status.EXCLUDED)
    if f.q:
        qs = search(qs, f.q)
    return qs


# ---- search ----------------------------------------------------------------------------------


class SearchText(Func):
    """What search reads of a message: its text, author's name and link, upper-cased.

    PostgreSQL keeps a trigram index on this very expression (migration cases 0008), so each
    word's ``LIKE '%WORD%'`` is answered from the index. On SQLite, UPPER is made to upper-case
    every letter, not only Latin ones (``cases.apps``)."""

    template = "UPPER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, post: str = "primary_post__") -> None:
        super().__init__(F(f"{post}text"), F(f"{post}author_name"), F(f"{post}url"))


_NUMBER = re.compile(r"^(?:№|#|n)?\s*(\d{1,18})$", re.IGNORECASE)
_EDGE_PUNCTUATION = ".,;:!?\"'«»()[]"
MAX_WORDS = 8


def search_words(q: str) -> list[str]:
    """The words every found message contains (upper-cased): a link is reduced to its host
    (without ``www.``/``m.``) and path, so a link copied from the browser or the phone app finds
    the post."""
    words = []
    for raw in q.split()[:MAX_WORDS]:
        word = raw.strip(_EDGE_PUNCTUATION)
        if word.lower().startswith(("http://", "https://")):
            parts = urlsplit(word)
            host = re.sub(r"^(www\.|m\.)", "", parts.netloc.lower())
            word = host + parts.path.rstrip("/")
        if word:
            words.append(word.upper())
    return words


def search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Case number ``q`` («123», «№123»), or the cases whose message contains every word of
    ``q`` (in its text, author's name or link, in any case and order: «ленина 5» finds
    «ул. Ленина, д. 5»)."""
    number = _NUMBER.match(q.strip())
    if number:
        return qs.filter(pk=int(number.group(1)))
    words = search_words(q)
    if not words:
        return qs
    qs = qs.alias(search_text=SearchText())
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return qs


# ---- the order and its pages ---------------------------------------------------------------


def listed(user: Any, cases: QuerySet[Case] | None = None, *, order: str = DEADLINE) -> QuerySet[Case]:
    """The cases ``user`` sees (or ``cases``: a service token's), in ``order``, with the sort key
    as ``sort_due``.

    An executor of one organization is read in the order of that organization's
    CaseOrganization index (its copy of ``next_due_at``, kept equal in the same transaction):
    a page is one index range instead of a sort of every case the organization ever had.
    CaseOrganization holds exactly the organizations with an assignment in a case, which is
    what ``visible_cases`` gives such a user."""
    org = single_organization(user) if cases is None and user is not None and order == DEADLINE else None
    qs: QuerySet[Case]
    if org is not None:
        link = FilteredRelation("organization_links", condition=Q(organization_links__organization_id=org))
        qs = Case.objects.annotate(link=link).filter(link__isnull=False).annotate(sort_due=F("link__next_due_at"))
    else:
        qs = (cases if cases is not None else visible_cases(user)).annotate(sort_due=F("next_due_at"))
    if order == CREATED:
        return qs.order_by("-pk")
    return qs.order_by(F("sort_due").asc(nulls_last=True), "-pk")


def inbox(
    user: Any,
    view: str | None,
    filters: Filters,
    now: dt.datetime,
    tz: Any,
    *,
    cases: QuerySet[Case] | None = None,
    order: str = DEADLINE,
) -> QuerySet[Case]:
    """The inbox view ``view`` (None: every case) of ``user`` with ``filters``, ordered.
    ``cases``: what a service token sees (it has no user)."""
    qs = listed(user, cases, order=order)
    if view:
        qs = qs.filter(view_filter(user, view, now))
    return apply_filters(qs, filters, now, tz)


class InvalidCursor(ValueError):
    pass


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def cursor_of(case: Case | dict[str, Any], order: str = DEADLINE) -> str:
    """The position after ``case`` (a case of ``listed()``, or its ``values()``): ``<sort key>.<case id>``, the sort key being the nearest
    deadline in µs since 1970, ``none`` (no open deadline), or ``new`` (newest first)."""
    pk, due = (case["id"], case["sort_due"]) if isinstance(case, dict) else (case.pk, case.sort_due)  # type: ignore[attr-defined]
    if order == CREATED:
        return f"new.{pk}"
    return f"{(due - EPOCH) // MICROSECOND if due is not None else 'none'}.{pk}"


def after_cursor(qs: QuerySet[Any], cursor: str, order: str = DEADLINE) -> QuerySet[Any]:
    """The rows of ``listed()`` after ``cursor``; InvalidCursor if it is not one of ours."""
    key, _, pk_text = cursor.strip().partition(".")
    if not pk_text.isdigit() or len(pk_text) > 18:
        raise InvalidCursor(cursor)
    pk = int(pk_text)
    if order == CREATED:
        if key != "new":
            raise InvalidCursor(cursor)
        return qs.filter(pk__lt=pk)
    if key == "none":
        return qs.filter(Q(sort_due__isnull=True, pk__lt=pk))
    if not key.lstrip("-").isdigit() or len(key) > 20:
        raise InvalidCursor(cursor)
    try:
        due = EPOCH + int(key) * MICROSECOND
    except OverflowError:
        raise InvalidCursor(cursor) from None
    return qs.filter(Q(sort_due__gt=due) | Q(sort_due=due, pk__lt=pk) | Q(sort_due__isnull=True))


def keyset_page(
    qs: QuerySet[Any], cursor: str = "", size: int | None = None, order: str = DEADLINE
) -> tuple[list[Any], str]:
    """One page after ``cursor`` and the cursor of the next page ("" when this is the last)."""
    size = size or PAGE_SIZE
    rows = list((after_cursor(qs, cursor, order) if cursor else qs)[: size + 1])
    page = rows[:size]
    return page, (cursor_of(page[-1], order) if len(rows) > size else "")


def with_active_assignments(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Each case's active assignments with their organizations as ``case.active_assignments``
    (one query per page)."""
    active = (
        Assignment.objects.filter(is_active=True)
        .select_related("organization")
        .only("case_id", "organization__short_name", "organization__name", "role", "status")
        .order_by("pk")
    )
    return qs.prefetch_related(Prefetch("assignments", queryset=active, to_attr="active_assignments"))


def with_next_task(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The stage, point and warning time of the nearest deadline (``next_due_at``), for its badge."""
    nearest = open_tasks().filter(case=OuterRef("pk")).order_by("due_at", "pk")
    return qs.annotate(
        next_warn_at=Subquery(nearest.values("warn_at")[:1]),
        next_stage=Subquery(nearest.values("stage")[:1]),
        next_point=Subquery(nearest.values("point")[:1]),
    )
