"""§9.2 «с момента выявления»: how long messages waited in the feed before someone picked them out.

Not a violation (the route clock starts at detection), but it must be visible: per specialist
who detected (or «автоматически» — triage, manual entry, the regional centre) and per month.
Measured in calendar time from collection (the case's creation) to detection. Small query
functions on their own so the dashboard and the §23 report's appendix call the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.db.models.functions import TruncMonth

from otklik.cases.models import Case
from otklik.directory.models import Municipality

AUTOMATIC = "автоматически (триаж, ручной ввод, ЦУР)"
MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь"]  # fmt: skip


@dataclass
class FeedWait:
    who: str  # the specialist, or the month («май 2026»)
    detected: int
    average: str
    longest: str
    average_minutes: int


def _fmt(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} дн {hours} ч"
    return f"{hours} ч {mins:02d} мин"


def _detected(municipalities: list[Municipality], start: dt.datetime, end: dt.datetime) -> Any:
    return (
        Case.objects.filter(municipality__in=municipalities, detected_at__gte=start, detected_at__lt=end)
        .annotate(wait=ExpressionWrapper(F("detected_at") - F("created_at"), output_field=DurationField()))
        .order_by()
    )


def _row(who: str, n: int, avg: dt.timedelta | None, longest: dt.timedelta | None) -> FeedWait:
    return FeedWait(who, n, _fmt(avg), _fmt(longest), int(avg.total_seconds() // 60) if avg else 0)


def per_specialist(municipalities: list[Municipality], start: dt.datetime, end: dt.datetime) -> list[FeedWait]:
    rows = list(
        _detected(municipalities, start, end)
        .values(detector=F("detected_by"))
        .annotate(n=Count("pk"), avg=Avg("wait"), longest=Max("wait"))
        .filter(~Q(n=0))
    )
    users = get_user_model().objects.in_bulk([r["detector"] for r in rows if r["detector"]])
    out = []
    for r in rows:
        user = users.get(r["detector"])
        name = (user.get_full_name() or user.username) if user else AUTOMATIC
        out.append(_row(name, r["n"], r["avg"], r["longest"]))
    return sorted(out, key=lambda w: (w.who == AUTOMATIC, -w.average_minutes, w.who))


def per_month(municipalities: list[Municipality], start: dt.datetime, end: dt.datetime) -> list[FeedWait]:
    tz = municipalities[0].tzinfo if municipalities else dt.UTC
    rows = (
        _detected(municipalities, start, end)
        .annotate(month=TruncMonth("detected_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"), avg=Avg("wait"), longest=Max("wait"))
        .order_by("month")
    )
    return [_row(f"{MONTHS[r['month'].month - 1]} {r['month'].year}", r["n"], r["avg"], r["longest"]) for r in rows]


def as_json(rows: list[FeedWait]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
