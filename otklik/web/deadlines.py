"""Deadlines as people read them: «осталось 25 раб. мин», colour for warning and overdue.

Working time left comes from the municipality's calendar (the regulation app); the
calendar is built once per municipality per request, so a list page costs no extra
queries per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from otklik.regulation.services import calendar_for
from otklik.regulation.stages import TASK_LABELS
from otklik.worktime import WorkingCalendar


def _fallback_calendar(municipality: Any) -> Any:
    return WorkingCalendar.russia(tz=getattr(municipality, "timezone", "Europe/Moscow"))


def calendar_of(municipality: Any, cache: dict[int, Any] | None = None) -> Any:
    """The municipality's working calendar (regulation app), cached in ``cache`` by id."""
    if cache is not None and municipality.pk in cache:
        return cache[municipality.pk]
    try:
        cal = calendar_for(municipality)
    except ImportError:  # the regulation app is not there yet: the Russian production calendar
        cal = _fallback_calendar(municipality)
    if cache is not None:
        cache[municipality.pk] = cal
    return cal


def format_working(delta: dt.timedelta) -> str:
    """«25 раб. мин», «2 раб. ч 5 мин», «3 раб. дн. 4 ч» (a working day counted as 8 hours)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} раб. мин"
    hours, minutes = divmod(minutes, 60)
    if hours < 8:
        return f"{hours} раб. ч {minutes} мин" if minutes else f"{hours} раб. ч"
    days, hours = divmod(hours, 8)
    return f"{days} раб. дн. {hours} ч" if hours else f"{days} раб. дн."


@dataclass
class DeadlineView:
    due_at: dt.datetime
    state: str  # "ok", "warn", "overdue"
    text: str  # «осталось 25 раб. мин» / «просрочено на 10 раб. мин»
    stage: str = ""
    stage_label: str = ""
    point: str = ""


def describe(
    due_at: dt.datetime | None,
    *,
    warn_at: dt.datetime | None = None,
    municipality: Any,
    cache: dict[int, Any] | None = None,
    now: dt.datetime | None = None,
    stage: str = "",
    point: str = "",
) -> DeadlineView | None:
    if due_at is None:
        return None
    now = now or timezone.now()
    cal = calendar_of(municipality, cache)
    if now >= due_at:
        late = cal.between(due_at, now)
        text = f"просрочено на {format_working(late)}" if late.total_seconds() >= 60 else "просрочено"
        state = "overdue"
    else:
        left = cal.between(now, due_at)
        text = f"осталось {format_working(left)}"
        state = "warn" if warn_at is not None and now >= warn_at else "ok"
        if warn_at is None and left <= dt.timedelta(minutes=10):
            state = "warn"
    return DeadlineView(
        due_at=due_at, state=state, text=text, stage=stage, stage_label=TASK_LABELS.get(stage, stage), point=point
    )
