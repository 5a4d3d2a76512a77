"""Read-only queries behind the §23 report and the dashboard. Nothing here writes.

Every SLA figure is read from Deadline rows (DESIGN.md): a violation is a deadline met
after ``due_at`` or still open when ``due_at`` has passed; cancelled and lapsed rows never
count. Times taken are in the municipality's working time (calendar time for limits in
calendar minutes).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from otklik.cases.models import Case, Deadline, Publication
from otklik.directory.models import Municipality, Organization, Role, Topic
from otklik.directory.roles import scope_of
from otklik.regulation.stages import Stage

EXCLUDED_OUTCOMES = (Deadline.Outcome.CANCELLED, Deadline.Outcome.LAPSED)
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


def calendar_for(municipality: Municipality) -> Any:
    from otklik.regulation.services import calendar_for as regulation_calendar

    return regulation_calendar(municipality)


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


def _person(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


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


def month_deadlines(municipality: Municipality, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> QuerySet:
    """Deadlines that fell due in ``[start, end)`` before ``as_of`` and count for the regulation."""
    return (
        Deadline.objects.filter(case__municipality=municipality, due_at__gte=start, due_at__lt=min(end, as_of))
        .exclude(outcome__in=EXCLUDED_OUTCOMES)
        # An open §10 window is never overdue (it lapses); a late return is a violation.
        .exclude(stage="return_window", closed_at__isnull=True)
    )


def violation_report(
    municipality: Municipality, year: int, month: int, *, as_of: dt.datetime | None = None
) -> ViolationReport:
    """§23: every deadline of the month met late or still open past due, with totals per organization."""
    as_of = as_of or timezone.now()
    start, end = month_bounds(municipality, year, month)
    tz = municipality.tzinfo
    report = ViolationReport(municipality.name, municipality.slug, year, month, _local(as_of, tz))
    deadlines = list(
        month_deadlines(municipality, start, end, as_of)
        .select_related("organization", "user", "closed_by")
        .order_by("organization__name", "due_at", "id")
    )
    if not deadlines:
        return report
    calendar = calendar_for(municipality)
    totals: dict[str, OrganizationTotal] = {}
    for d in deadlines:
        org = d.organization.name if d.organization else "Без организации"
        total = totals.setdefault(org, OrganizationTotal(org, 0, 0, 0, 0))
        total.total += 1
        late = d.closed_at > d.due_at if d.closed_at else True
        if not late:
            continue
        total.violations += 1
        if d.closed_at:
            total.late_met += 1
        else:
            total.never_met += 1
        finished = d.closed_at or as_of
        if d.limit_unit == "calendar_minutes":
            taken, late_by = finished - d.started_at, finished - d.due_at
        else:
            taken, late_by = calendar.between(d.started_at, finished), calendar.between(d.due_at, finished)
        report.rows.append(
            ViolationRow(
                organization=org,
                person=_person(d.user or d.closed_by),
                case_id=d.case_id,
                case_url=f"/cases/{d.case_id}/",
                stage=STAGE_NAMES.get(d.stage, d.stage),
                point=d.point,
                limit=fmt_limit(d.limit_value, d.limit_unit),
                started_at=_local(d.started_at, tz),
                due_at=_local(d.due_at, tz),
                closed_at=_local(d.closed_at, tz) if d.closed_at else "не выполнено",
                taken=fmt_duration(taken),
                late_by=fmt_duration(late_by),
                taken_minutes=int(taken.total_seconds() // 60),
                late_minutes=int(late_by.total_seconds() // 60),
            )
        )
    # Stable: the rows came in due order, so each person's rows stay in it.
    report.rows.sort(key=lambda r: (r.organization, r.person))
    report.totals = sorted(totals.values(), key=lambda t: t.organization)
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
        qs = qs.filter(assignments__organization=f.organization).distinct()
    return qs


def _deadlines(f: Filters) -> QuerySet[Deadline]:
    qs = Deadline.objects.filter(case__municipality__in=f.municipalities)
    if f.organization is not None:
        qs = qs.filter(organization=f.organization)
    return qs


def counts(f: Filters, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict[str, int]:
    """Received, routed, answered, excluded in ``[start, end)``; overdue right now."""
    cases = _cases(f)
    return {
        "received": cases.filter(created_at__gte=start, created_at__lt=end).count(),
        "routed": cases.filter(routed_at__gte=start, routed_at__lt=end).count(),
        "answered": cases.filter(answered_at__gte=start, answered_at__lt=end).count(),
        "excluded": cases.filter(status="excluded", closed_at__gte=start, closed_at__lt=end).count(),
        "overdue_now": _deadlines(f)
        .filter(closed_at__isnull=True, due_at__lte=now)
        .exclude(stage="return_window")
        .values("case")
        .distinct()
        .count(),
    }


def _share_rows(qs: QuerySet, key: str, names: dict[Any, str]) -> list[dict[str, Any]]:
    rows = []
    for item in qs.values(key).annotate(total=Count("id"), late=Count("id", filter=Q(late=True))).order_by(key):
        total, late = item["total"], item["late"]
        rows.append(
            {
                "key": item[key],
                "name": names.get(item[key], str(item[key] or "—")),
                "total": total,
                "late": late,
                "share": (total - late) / total if total else 1.0,
            }
        )
    return rows


def on_time(f: Filters, now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Share of deadlines met on time in the period, per stage and per organization."""
    qs = (
        _deadlines(f)
        .filter(due_at__gte=f.start, due_at__lt=min(f.end, now))
        .exclude(outcome__in=EXCLUDED_OUTCOMES)
        .exclude(stage="return_window", closed_at__isnull=True)
        .annotate(late=Q(closed_at__isnull=True) | Q(closed_at__gt=F("due_at")))
    )
    per_stage = _share_rows(qs, "stage", STAGE_NAMES)
    org_names = dict(Organization.objects.filter(municipality__in=f.municipalities).values_list("pk", "short_name"))
    per_org = _share_rows(qs, "organization", org_names)
    per_org.sort(key=lambda r: (r["share"], -r["total"]))
    return per_stage, per_org


def first_answer_minutes(f: Filters) -> list[float]:
    """Working minutes from detection to the first published answer, for cases answered in the period."""
    firsts = (
        Publication.objects.filter(status="published", case__in=_cases(f).filter(detected_at__isnull=False))
        .values("case")
        .annotate(first=Min("published_at"))
        .filter(first__gte=f.start, first__lt=f.end)
    )
    by_case = {row["case"]: row["first"] for row in firsts}
    out = []
    cases = Case.objects.filter(pk__in=list(by_case)).select_related("municipality")
    for case in cases:
        calendar = calendar_for(case.municipality)
        out.append(calendar.between(case.detected_at, by_case[case.pk]).total_seconds() / 60)
    return out


def median_first_answer(f: Filters) -> str:
    values = first_answer_minutes(f)
    if not values:
        return "—"
    return fmt_duration(dt.timedelta(minutes=statistics.median(values)))


def topics(f: Filters) -> list[tuple[str, int]]:
    names = dict(Topic.objects.filter(municipality__in=f.municipalities).values_list("pk", "name"))
    rows = (
        _cases(f)
        .filter(created_at__gte=f.start, created_at__lt=f.end)
        .values("topic")
        .annotate(n=Count("id", distinct=True))
    )
    out = [(names.get(r["topic"], "Без темы"), r["n"]) for r in rows]
    return sorted(out, key=lambda x: -x[1])[:12]


NETWORK_NAMES = {"vk": "ВКонтакте", "ok": "Одноклассники", "telegram": "Telegram", "max": "MAX", "other": "Другое"}


def networks(f: Filters) -> list[tuple[str, int]]:
    rows = (
        _cases(f)
        .filter(created_at__gte=f.start, created_at__lt=f.end)
        .values("primary_post__network")
        .annotate(n=Count("id", distinct=True))
    )
    out = [(NETWORK_NAMES.get(r["primary_post__network"] or "", "Вручную"), r["n"]) for r in rows]
    return sorted(out, key=lambda x: -x[1])


def weekly(f: Filters) -> list[dict[str, Any]]:
    """Received and answered per week (weeks start on Monday, local time of the first municipality)."""
    tz = f.municipalities[0].tzinfo if f.municipalities else dt.UTC
    received: Counter[dt.date] = Counter()
    answered: Counter[dt.date] = Counter()
    cases = _cases(f)
    for t in cases.filter(created_at__gte=f.start, created_at__lt=f.end).values_list("created_at", flat=True):
        d = timezone.localtime(t, tz).date()
        received[d - dt.timedelta(days=d.weekday())] += 1
    for a in cases.filter(answered_at__gte=f.start, answered_at__lt=f.end).values_list("answered_at", flat=True):
        if a is None:
            continue
        d = timezone.localtime(a, tz).date()
        answered[d - dt.timedelta(days=d.weekday())] += 1
    first = timezone.localtime(f.start, tz).date()
    week = first - dt.timedelta(days=first.weekday())
    last = timezone.localtime(f.end - dt.timedelta(microseconds=1), tz).date()
    out = []
    while week <= last:
        out.append(
            {"week": week, "label": week.strftime("%d.%m"), "received": received[week], "answered": answered[week]}
        )
        week += dt.timedelta(days=7)
    return out


def slowest_organizations(f: Filters, limit: int = 5) -> list[dict[str, Any]]:
    """Organizations by mean working time of their own stages closed in the period (slowest first)."""
    qs = (
        _deadlines(f)
        .filter(closed_at__gte=f.start, closed_at__lt=f.end, outcome=Deadline.Outcome.MET, organization__isnull=False)
        .filter(stage__in=["draft", "revise", "coexec_info", "coexec_revise", "final_after_intermediate"])
        .select_related("organization", "case__municipality")
    )
    spent: dict[int | None, list[float]] = defaultdict(list)
    names: dict[int | None, str] = {}
    for d in qs:
        calendar = calendar_for(d.case.municipality)
        assert d.closed_at is not None
        spent[d.organization_id].append(calendar.between(d.started_at, d.closed_at).total_seconds() / 60)
        names[d.organization_id] = str(d.organization)
    rows: list[dict[str, Any]] = [
        {
            "name": names[org],
            "mean": fmt_duration(dt.timedelta(minutes=statistics.mean(v))),
            "minutes": statistics.mean(v),
            "count": len(v),
        }
        for org, v in spent.items()
    ]
    return sorted(rows, key=lambda r: -r["minutes"])[:limit]


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
    return {
        "today": counts(f, today_start, today_start + dt.timedelta(days=1), now),
        "period": counts(f, f.start, f.end, now),
        "per_stage": per_stage,
        "per_org": per_org,
        "median_first_answer": median_first_answer(f),
        "topics": topics(f),
        "networks": networks(f),
        "weekly": weekly(f),
        "slowest": slowest_organizations(f),
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
