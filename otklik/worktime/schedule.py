"""Weekly schedules: several working intervals per weekday, validated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# weekday (0 = Monday … 6 = Sunday) -> intervals as (start, end); times as datetime.time or "HH:MM"
ScheduleInput = Mapping[int, Iterable[tuple[dt.time | str, dt.time | str]]]
# Normalised: 7 tuples of (start, end) seconds since local midnight, sorted, non-overlapping.
NormalSchedule = tuple[tuple[tuple[int, int], ...], ...]

WEEKDAY_NAMES = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
)

DEFAULT_SCHEDULE: dict[int, tuple[tuple[str, str], ...]] = {
    weekday: (("09:00", "13:00"), ("14:00", "18:00")) for weekday in range(5)
}

DAY_SECONDS = 24 * 3600


class ScheduleError(ValueError):
    """A schedule or timezone that cannot be used; the message is for people (Russian)."""


def _seconds(value: dt.time | str, weekday: int) -> int:
    if isinstance(value, str):
        text = value.strip()
        if text in ("24:00", "24:00:00"):
            return DAY_SECONDS
        try:
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise ScheduleError(
                f"{WEEKDAY_NAMES[weekday]}: не удалось разобрать время {text!r}, ожидается ЧЧ:ММ"
            ) from None
    if not isinstance(value, dt.time):
        raise ScheduleError(f"{WEEKDAY_NAMES[weekday]}: ожидается время, а не {value!r}")
    if value.tzinfo is not None:
        raise ScheduleError(f"{WEEKDAY_NAMES[weekday]}: время интервала задаётся без пояса")
    return value.hour * 3600 + value.minute * 60 + value.second


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def normalize_schedule(schedule: ScheduleInput | None) -> NormalSchedule:
    """Validate ``schedule`` and return it as seconds since midnight per weekday.

    Raises :class:`ScheduleError` (Russian message) for an unknown weekday, an interval
    that ends before (or when) it starts, and intervals that overlap.
    """
    if schedule is None:
        schedule = DEFAULT_SCHEDULE
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, intervals in schedule.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ScheduleError(f"Неизвестный день недели: {weekday!r} (ожидается 0–6)")
        for start, end in intervals:
            start_s, end_s = _seconds(start, weekday), _seconds(end, weekday)
            if end_s <= start_s:
                raise ScheduleError(
                    f"{WEEKDAY_NAMES[weekday]}: интервал {_hhmm(start_s)}–{_hhmm(end_s)} "
                    "заканчивается не позже, чем начинается"
                )
            days[weekday].append((start_s, end_s))
    for weekday, day in enumerate(days):
        day.sort()
        for (s1, e1), (s2, e2) in zip(day, day[1:], strict=False):
            if s2 < e1:
                raise ScheduleError(
                    f"{WEEKDAY_NAMES[weekday]}: интервалы {_hhmm(s1)}–{_hhmm(e1)} и "
                    f"{_hhmm(s2)}–{_hhmm(e2)} пересекаются"
                )
    return tuple(tuple(day) for day in days)


def get_zone(name: str | dt.tzinfo) -> dt.tzinfo:
    """An IANA timezone by name; :class:`ScheduleError` with a Russian message if unknown."""
    if isinstance(name, dt.tzinfo):
        return name
    try:
        if not name or not isinstance(name, str):
            raise ValueError
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(f"Неизвестный часовой пояс {name!r}: ожидается имя IANA, например Europe/Moscow") from None
