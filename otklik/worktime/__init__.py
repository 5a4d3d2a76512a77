"""Working-time arithmetic and the Russian production calendar (pure Python, no Django).

    from otklik.worktime import WorkingCalendar, Duration, parse_duration
    cal = WorkingCalendar.russia()
    cal.add(start, parse_duration("1h30m"))

See ``calendar_index`` for the conventions.
"""

from .calendar_index import WorkingCalendar
from .duration import Duration, DurationUnit, parse_duration
from .production import ProductionCalendarFallbackWarning
from .schedule import DEFAULT_SCHEDULE, ScheduleError, get_zone, normalize_schedule

__all__ = [
    "DEFAULT_SCHEDULE",
    "Duration",
    "DurationUnit",
    "ProductionCalendarFallbackWarning",
    "ScheduleError",
    "WorkingCalendar",
    "get_zone",
    "normalize_schedule",
    "parse_duration",
]
