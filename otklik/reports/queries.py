"""Read-only queries behind the §23 report and the dashboard. Nothing here writes.

Every SLA figure is read from Deadline rows (DESIGN.md) with the one rule of a violation,
``DeadlineQuerySet.violations``. Times taken and late are in the municipality's working time
(calendar time for limits in calendar minutes), subtracted in the database from the clock
readings stored on each deadline: one calendar per municipality per request or job, and a
number of queries that does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from otklik.cases.deadlines import NOBODY_EXECUTOR, NOBODY_SPECIALIST, SPECIALIST_STAGES
from otklik.cases.models import Assignment, Case, Deadline, DeadlineQuerySet, Post
from otklik.directory.models import Municipality, Organization, Role, Topic
from otklik.directory.roles import scope_of
from otklik.regulation.services import now_clocks
from otklik.regulation.stages import Stage
from otklik.reports import feedwait

REPORT_ROLES = (Role.COORDINATOR, Role.HEAD, Role.OBSERVER)

STAGE_NAMES = {s.value: str(s.label) for s in Stage}
UNIT_NAMES = {"working_minutes": "раб. мин", "working_days": "раб. дн.", "calendar_minutes": "кал. мин"}
MONTHS = [
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
]  # fmt: skip
MONTHS_GENITIVE = [
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
]  # fmt: skip


def fmt_duration(value: dt.timedelta) -> str:
    """Working time as people read it: «2 ч 05 мин», «45 мин»."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} ч {minutes:02d} мин" if hours else f"{minutes} мин"


def fmt_limit(value: int, unit: str) -> str:
    return f"{value} {UNIT_NAMES.get(unit, unit)}"


def month_bounds(municipality: Municipality, year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    tz = municipality.tzinfo
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def reportable_municipalities(user: Any) -> QuerySet[Municipality]:
    """Municipalities whose reports and dashboard ``user`` may read (coordinator, head, observer)."""
    scope = scope_of(user)
    if scope.is_superuser or scope.global_observer:
        return Municipality.objects.filter(is_active=True)
    ids = [m for m, roles in scope.roles_by_municipality.items() if roles & set(REPORT_ROLES)]
    return Municipality.objects.filter(pk__in=ids, is_active=True)


PERSON_FIELDS = ("first_name", "last_name", "username")


def _person(row: dict[str, Any], prefix: str) -> str | None:
    """«Имя Фамилия» (or the login) of the user whose fields ``row`` holds under ``prefix``."""
    if row[f"{prefix}__username"] is None:
        return None
    full = f"{row[f'{prefix}__first_name']} {row[f'{prefix}__last_name']}".strip()
    return full or row[f"{prefix}__username"]


def _official(row: dict[str, Any]) -> str:
    """§23: the official who held the stage (see ``cases.deadlines.official_label``), from a values() row."""
    named = _person(row, "user") or _person(row, "closed_by")
    if named:
        return named
    return NOBODY_SPECIALIST if row["stage"] in SPECIALIST_STAGES else NOBODY_EXECUTOR


# --- §23 violations report -------------------------------------------------------------------


@dataclass
class ViolationRow:
    organization: str
    person: str
    case_id: int
    case_url: str
    stage: str
    point: str
    limit: str
    started_at: str
    due_at: str
    closed_at: str  # «не выполнено» for a deadline still open
    taken: str
    late_by: str
    taken_minutes: int
    late_minutes: int


@dataclass
class OrganizationTotal:
    organization: str
    total: int
    violations: int
    late_met: int
    never_met: int

    @property
    def on_time_share(self) -> float:
        return (self.total - self.violations) / self.total if self.total else 1.0

    @property
    def on_time_percent(self) -> str:
        return f"{self.on_time_share * 100:.1f}".replace(".", ",") + " %"


@dataclass
class ViolationReport:
    municipality: str
    municipality_slug: str
    year: int
    month: int
    as_of: str
    rows: list[ViolationRow] = field(default_factory=list)
    totals: list[OrganizationTotal] = field(default_factory=list)
    # Appendix (§9.2): time messages waited in the feed before detection, per specialist.
    feed_wait: list[dict[str, Any]] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year} г."

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def total(self) -> OrganizationTotal:
        return OrganizationTotal(
            "Итого",
            sum(t.total for t in self.totals),
            sum(t.violations for t in self.totals),
            sum(t.late_met for t in self.totals),
            sum(t.never_met for t in self.totals),
        )

    def groups(self) -> list[tuple[str, list[tuple[str, list[ViolationRow]]]]]:
        """Rows grouped by organization, then by person (the report's layout)."""
        out: dict[str, dict[str, list[ViolationRow]]] = {}
        for row in self.rows:
            out.setdefault(row.organization, {}).setdefault(row.person, []).append(row)
        return [(org, list(people.items())) for org, people in out.items()]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ViolationReport:
        data = dict(data)
        data["rows"] = [ViolationRow(**r) for r in data.get("rows", [])]
        data["totals"] = [OrganizationTotal(**t) for t in data.get("totals", [])]
        return cls(**data)


def _local(t: dt.datetime, tz: Any) -> str:
    return timezone.localtime(t, tz).strftime("%d.%m.%Y %H:%M")


def month_deadlines(
    municipality: Municipality, start: dt.datetime, end: dt.datetime, as_of: dt.datetime
) -> DeadlineQuerySet:
    """Deadlines that fell due in ``[start, end)`` before ``as_of`` and count for the regulation."""
    return Deadline.objects.filter(municipality=municipality, due_at__gte=start, due_at__lt=min(end, as_of)).counted()


def _minutes(value: int) -> str:
    return fmt_duration(dt.timedelta(minutes=value))


def violation_report(
    municipality: Municipality, year: int, month: int, *, as_of: dt.datetime | None = None
) -> ViolationReport:
    """§23: every deadline of the month met late or still open past due, with totals per organization.

    Three queries whatever the month holds: the totals (grouped in the database), the late rows
    with their times subtracted from the stored clock readings, and the calendar's inputs.
    """
    as_of = as_of or timezone.now()
    start, end = month_bounds(municipality, year, month)
    tz = municipality.tzinfo
    report = ViolationReport(municipality.name, municipality.slug, year, month, _local(as_of, tz))
    report.feed_wait = feedwait.as_json(feedwait.per_specialist([municipality], start, min(end, as_of)))
    deadlines = month_deadlines(municipality, start, end, as_of)
    late = Deadline.objects.late_q(as_of)
    totals = (
        deadlines.values("organization__name")
        .annotate(
            total=Count("id"),
            violations=Count("id", filter=late),
            late_met=Count("id", filter=late & Q(closed_at__isnull=False)),
        )
        .order_by("organization__name")
    )
    report.totals = [
        OrganizationTotal(
            t["organization__name"] or "Без организации",
            t["total"],
            t["violations"],
            t["late_met"],
            t["violations"] - t["late_met"],
        )
        for t in totals
    ]
    if not any(t.violations for t in report.totals):
        return report
    rows = (
        deadlines.violations(as_of)
        .with_clock_minutes(now_clocks([municipality], as_of))
        .order_by("organization__name", "due_at", "id")
        .values(
            "organization__name",
            "case_id",
            "stage",
            "point",
            "limit_value",
            "limit_unit",
            "started_at",
            "due_at",
            "closed_at",
            "taken_minutes",
            "late_minutes",
            *(f"{who}__{f}" for who in ("user", "closed_by") for f in PERSON_FIELDS),
        )  # fmt: skip
    )
    for d in rows:
        taken, late_by = max(d["taken_minutes"], 0), max(d["late_minutes"], 0)
        report.rows.append(
            ViolationRow(
                organization=d["organization__name"] or "Без организации",
                person=_official(d),
                case_id=d["case_id"],
                case_url=f"/cases/{d['case_id']}/",
                stage=STAGE_NAMES.get(d["stage"], d["stage"]),
                point=d["point"],
                limit=fmt_limit(d["limit_value"], d["limit_unit"]),
                started_at=_local(d["started_at"], tz),
                due_at=_local(d["due_at"], tz),
                closed_at=_local(d["closed_at"], tz) if d["closed_at"] else "не выполнено",
                taken=_minutes(taken),
                late_by=_minutes(late_by),
                taken_minutes=taken,
                late_minutes=late_by,
            )
        )
    # Stable: the rows came in due order, so each person's rows stay in it.
    report.rows.sort(key=lambda r: (r.organization, r.person))
    return report


# --- dashboard --------------------------------------------------------------------------------


@dataclass
class Filters:
    municipalities: list[Municipality]
    start: dt.datetime
    end: dt.datetime
    organization: Organization | None = None


def _cases(f: Filters) -> QuerySet[Case]:
    qs = Case.objects.filter(municipality__in=f.municipalities)
    if f.organization is not None:
        # A semi-join: a case with two assignments of the organization counts once.
        qs = qs.filter(Exists(Assignment.objects.filter(case=OuterRef("pk"), organization=f.organization)))
    return qs


def _deadlines(f: Filters) -> DeadlineQuerySet:
    qs: DeadlineQuerySet = Deadline.objects.filter(municipality__in=f.municipalities)
    if f.organization is not None:
        qs = qs.filter(organization=f.organization)
    return qs


def _within(name: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def counts_of(f: Filters, periods: dict[str, tuple[dt.datetime, dt.datetime]], now: dt.datetime) -> dict[str, Any]:
    """For each named period: messages received (every stored message, the feed included), cases
    detected, routed, answered and excluded in it; and cases overdue right now. Two queries
    whatever the number of periods (one pass over the cases, one over the open deadlines)."""
    aggregates = {}
    for name, (start, end) in periods.items():
        aggregates.update(
            {
                f"{name}:received": Count("pk", filter=_within("created_at", start, end)),
                f"{name}:detected": Count("pk", filter=_within("detected_at", start, end)),
                f"{name}:routed": Count("pk", filter=_within("routed_at", start, end)),
                f"{name}:answered": Count("pk", filter=_within("answered_at", start, end)),
                f"{name}:excluded": Count("pk", filter=_within("closed_at", start, end) & Q(status="excluded")),
            }
        )
    row = _cases(f).aggregate(**aggregates)
    overdue = _deadlines(f).overdue(now).values("case").distinct().count()
    out: dict[str, Any] = {name: {"overdue_now": overdue} for name in periods}
    for key, value in row.items():
        name, figure = key.split(":")
        out[name][figure] = value
    return out


def counts(f: Filters, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, int]:
    """:func:`counts_of` one period."""
    return counts_of(f, {"period": (start, end)}, now)["period"]


def _share_rows(groups: list[Any], key: str, names: dict[Any, str]) -> list[dict[str, Any]]:
    totals: dict[Any, list[int]] = {}
    for g in groups:
        t = totals.setdefault(g[key], [0, 0])
        t[0] += g["total"]
        t[1] += g["late"]
    rows = []
    for k in sorted(totals, key=lambda k: (k is None, k or 0)):
        total, late = totals[k]
        rows.append(
            {
                "key": k,
                "name": names.get(k, str(k or "—")),
                "total": total,
                "late": late,
                "share": (total - late) / total if total else 1.0,
            }
        )
    return rows


def _period_deadlines(f: Filters, now: dt.datetime) -> DeadlineQuerySet:
    """Counted deadlines that fell due in the period (up to now)."""
    return _deadlines(f).filter(due_at__gte=f.start, due_at__lt=min(f.end, now)).counted()


def _organization_names(f: Filters) -> dict[Any, str]:
    return dict(Organization.objects.filter(municipality__in=f.municipalities).values_list("pk", "short_name"))


def on_time(f: Filters, now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Share of deadlines met on time in the period, per stage and per organization."""
    rows = (
        _period_deadlines(f, now)
        .with_late(now)
        .values("stage", "organization")
        .annotate(total=Count("id"), late=Count("id", filter=Q(late=True)))
        .order_by()
    )
    groups: list[dict[str, Any]] = [dict(row) for row in rows]  # one pass serves both breakdowns
    per_stage = _share_rows(groups, "stage", STAGE_NAMES)
    per_org = _share_rows(groups, "organization", _organization_names(f))
    per_org.sort(key=lambda r: (r["share"], -r["total"]))
    return per_stage, per_org


def first_answer_minutes(f: Filters) -> QuerySet:
    """Working minutes from a case's detection to its first published answer (intermediate or
    final), for cases first answered in the period: the §16 total clock is met by the first
    publication (its ``close_clock``), the first §9.2 route clock started at detection — both
    readings of the same working calendar, so a case that arrived after hours counts from the
    next working moment, as the regulation does."""
    detected = (
        Deadline.objects.filter(case=OuterRef("case"), stage=Stage.ROUTE)
        .order_by()
        .values("case")
        .annotate(m=Min("start_clock"))
        .values("m")
    )
    qs = Deadline.objects.filter(
        municipality__in=f.municipalities,
        stage=Stage.PUBLISH_TOTAL,
        outcome=Deadline.Outcome.MET,
        closed_at__gte=f.start,
        closed_at__lt=f.end,
        close_clock__isnull=False,
    )
    if f.organization is not None:
        qs = qs.filter(case__in=_cases(f))
    return (
        qs.annotate(detected_clock=Subquery(detected))
        .filter(detected_clock__isnull=False)
        .values_list("close_clock", "detected_clock")
    )


def median_first_answer(f: Filters) -> str:
    """The median of :func:`first_answer_minutes`, found in the database (count, then the middle)."""
    qs = first_answer_minutes(f)
    n = qs.count()
    if not n:
        return "—"
    ordered = qs.annotate(seconds=F("close_clock") - F("detected_clock")).order_by("seconds")
    middle = list(ordered.values_list("seconds", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return fmt_duration(dt.timedelta(seconds=sum(middle) / len(middle)))


NETWORK_NAMES = {"vk": "ВКонтакте", "ok": "Одноклассники", "telegram": "Telegram", "max": "MAX", "other": "Другое"}


def topics_and_networks(f: Filters) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Messages received in the period by topic (the 12 largest) and by network.

    Each is a scan of one index (``case_created_idx`` with the topic, ``post_collected_idx`` with
    the network): a message and its case are stored in the same transaction, so the messages
    collected in the period are the cases received in it. For one organization, its cases' messages.
    """
    names = dict(Topic.objects.filter(municipality__in=f.municipalities).values_list("pk", "name"))
    cases = _cases(f).filter(_within("created_at", f.start, f.end))
    by_topic: dict[str, int] = {}
    for topic_id, n in cases.values_list("topic").annotate(n=Count("*")).order_by():  # "*": the index alone
        topic = names.get(topic_id, "Без темы")
        by_topic[topic] = by_topic.get(topic, 0) + n
    if f.organization is None:
        posts = Post.objects.filter(municipality__in=f.municipalities, **_range("collected_at", f.start, f.end))
    else:
        posts = Post.objects.filter(case__in=cases, case__primary_post=F("pk"))
    by_network: dict[str, int] = {}
    for code, n in posts.values_list("network").annotate(n=Count("*")).order_by():
        network = NETWORK_NAMES.get(code or "", "Вручную")
        by_network[network] = by_network.get(network, 0) + n
    return (
        sorted(by_topic.items(), key=lambda x: -x[1])[:12],
        sorted(by_network.items(), key=lambda x: -x[1]),
    )


def _range(name: str, start: dt.datetime, end: dt.datetime) -> dict[str, dt.datetime]:
    return {f"{name}__gte": start, f"{name}__lt": end}


def weeks_of(f: Filters) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """The weeks the period touches (Monday first, local time of the first municipality), each
    with its bounds cut to the period."""
    tz = f.municipalities[0].tzinfo if f.municipalities else dt.UTC
    first = timezone.localtime(f.start, tz).date()
    week = first - dt.timedelta(days=first.weekday())
    last = timezone.localtime(f.end - dt.timedelta(microseconds=1), tz).date()
    out = []
    while week <= last:
        start = max(dt.datetime.combine(week, dt.time(), tzinfo=tz), f.start)
        end = min(dt.datetime.combine(week + dt.timedelta(days=7), dt.time(), tzinfo=tz), f.end)
        out.append((week, start, end))
        week += dt.timedelta(days=7)
    return out


def weekly(f: Filters, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Messages received and cases answered per week, from the figures of :func:`counts_of`
    asked with a ``week:<date>`` period for each of :func:`weeks_of`."""
    return [
        {
            "week": week,
            "label": week.strftime("%d.%m"),
            "received": figures[f"week{week:%Y%m%d}"]["received"],
            "answered": figures[f"week{week:%Y%m%d}"]["answered"],
        }
        for week, _start, _end in weeks_of(f)
    ]


def slowest_organizations(f: Filters, now: dt.datetime, limit: int = 5) -> list[dict[str, Any]]:
    """Organizations by their overdue time in the period, most first: the working time past due
    of every deadline of theirs that fell due in the period and was met late or is still open
    (counted up to now). One query, summed in the database."""
    rows = (
        _period_deadlines(f, now)
        .violations(now)
        .filter(organization__isnull=False)
        .with_clock_minutes(now_clocks(f.municipalities, now))
        .values("organization")
        .annotate(
            overdue=Sum("late_minutes"),
            n=Count("id"),
            still_open=Count("id", filter=Q(closed_at__isnull=True)),
        )
        .order_by("-overdue", "organization")[:limit]
    )
    names = _organization_names(f)
    return [
        {
            "name": names.get(r["organization"], "—"),
            "overdue": _minutes(max(r["overdue"] or 0, 0)),
            "minutes": r["overdue"] or 0,
            "count": r["n"],
            "open": r["still_open"],
        }
        for r in rows
    ]


def significant(f: Filters, now: dt.datetime) -> list[Case]:
    return list(
        _cases(f)
        .filter(is_significant=True, significant_at__gte=now - dt.timedelta(days=7))
        .select_related("primary_post", "municipality")
        .order_by("-significant_at")[:20]
    )


def dashboard(f: Filters, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    tz = f.municipalities[0].tzinfo if f.municipalities else dt.UTC
    local = timezone.localtime(now, tz)
    today_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    per_stage, per_org = on_time(f, now)
    periods = {"today": (today_start, today_start + dt.timedelta(days=1)), "period": (f.start, f.end)}
    periods.update({f"week{week:%Y%m%d}": (start, end) for week, start, end in weeks_of(f)})
    figures = counts_of(f, periods, now)  # one pass over the cases for all of these
    topic_rows, network_rows = topics_and_networks(f)
    return {
        "today": figures["today"],
        "period": figures["period"],
        "per_stage": per_stage,
        "per_org": per_org,
        "median_first_answer": median_first_answer(f),
        "topics": topic_rows,
        "networks": network_rows,
        "weekly": weekly(f, figures),
        "slowest": slowest_organizations(f, now),
        "significant": significant(f, now),
    }


def regional(
    municipalities: list[Municipality], start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """The same key numbers per municipality, side by side (the observer's view)."""
    now = now or timezone.now()
    out = []
    for m in municipalities:
        f = Filters([m], start, end)
        _, per_org = on_time(f, now)
        total = sum(r["total"] for r in per_org)
        late = sum(r["late"] for r in per_org)
        out.append(
            {
                "municipality": m,
                **counts(f, start, end, now),
                "on_time": (total - late) / total if total else None,
                "deadlines": total,
                "median_first_answer": median_first_answer(f),
            }
        )
    return out
