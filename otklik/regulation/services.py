"""Working calendars and deadlines of municipalities.

Deadlines are computed once, when a stage starts, and stored by the workflow (``Deadline.due_at``):
changing a profile, a schedule or an override affects only deadlines computed afterwards.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from otklik.directory.models import Municipality
from otklik.regulation.models import (
    CalendarOverride,
    RegulationProfile,
    StageLimit,
    WorkInterval,
    WorkSchedule,
)
from otklik.regulation.stages import (
    DEFAULT_LIMITS,
    DEFAULT_PROFILE_NAME,
    DEFAULT_PROFILE_SOURCE,
    DEFAULT_WARN_PERCENT,
    Stage,
)
from otklik.worktime import Duration, DurationUnit, ScheduleError, WorkingCalendar, normalize_schedule

# --- calendars --------------------------------------------------------------------------------

_CACHE_SIZE = 256
_cache: OrderedDict[tuple, WorkingCalendar] = OrderedDict()
_cache_lock = threading.Lock()


def _calendar_keys(municipalities: Iterable[Municipality]) -> dict[int, tuple]:
    """Everything each municipality's calendar is built from (a change anywhere is a new key), in
    three queries whatever the number of municipalities."""
    by_pk = {m.pk: m for m in municipalities}
    intervals: dict[int, list[tuple]] = {pk: [] for pk in by_pk}
    for muni, weekday, start, end in (
        WorkInterval.objects.filter(schedule__municipality__in=list(by_pk))
        .order_by("weekday", "start")
        .values_list("schedule__municipality_id", "weekday", "start", "end")
    ):
        intervals[muni].append((weekday, start, end))
    scheduled = set(WorkSchedule.objects.filter(municipality__in=list(by_pk)).values_list("municipality_id", flat=True))
    overrides: dict[int, list[tuple]] = {pk: [] for pk in by_pk}
    for muni, date, kind in (
        CalendarOverride.objects.filter(municipality__in=list(by_pk))
        .order_by("date")
        .values_list("municipality_id", "date", "kind")
    ):
        overrides[muni].append((date, kind))
    return {
        pk: (m.timezone, bool(intervals[pk]) or pk in scheduled, tuple(intervals[pk]), tuple(overrides[pk]))
        for pk, m in by_pk.items()
    }


def _build_calendar(key: tuple) -> WorkingCalendar:
    tz, has_schedule, intervals, overrides = key
    schedule: dict[int, list[tuple[dt.time, dt.time]]] | None = None
    if has_schedule:
        schedule = {}
        for weekday, start, end in intervals:
            schedule.setdefault(weekday, []).append((start, end))
    by_kind: dict[str, list[dt.date]] = {kind: [] for kind in CalendarOverride.Kind.values}
    for date, kind in overrides:
        by_kind[kind].append(date)
    try:
        return WorkingCalendar.russia(
            schedule=schedule,
            tz=tz,
            extra_nonworking=by_kind[CalendarOverride.Kind.NONWORKING],
            extra_working=by_kind[CalendarOverride.Kind.WORKING],
            extra_shortened=by_kind[CalendarOverride.Kind.SHORTENED],
        )
    except ScheduleError as exc:
        raise ValidationError(str(exc)) from None


def calendar_for(municipality: Municipality | None) -> WorkingCalendar:
    """The working calendar of a municipality: production calendar, its schedule, overrides, tz
    (without a municipality: the production calendar in the site's time zone).

    Built calendars are cached per process by their inputs, so any change to the schedule, the
    overrides or the timezone (by admin, code or a bulk update) gives a fresh calendar. Reading
    the inputs costs three queries: a request or job that needs several municipalities' calendars
    loads them at once with :func:`calendars_for`.
    """
    if municipality is None:
        return _cached_calendar((settings.TIME_ZONE, False, (), ()))
    return calendars_for([municipality])[municipality.pk]


def calendars_for(municipalities: Iterable[Municipality]) -> dict[int, WorkingCalendar]:
    """The working calendars of ``municipalities`` by id, in three queries in all."""
    return {pk: _cached_calendar(key) for pk, key in _calendar_keys(municipalities).items()}


def _cached_calendar(key: tuple) -> WorkingCalendar:
    with _cache_lock:
        calendar = _cache.get(key)
        if calendar is not None:
            _cache.move_to_end(key)
            return calendar
    calendar = _build_calendar(key)
    with _cache_lock:
        _cache[key] = calendar
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return calendar


@transaction.atomic
def set_schedule(
    municipality: Municipality,
    intervals: Mapping[int, Iterable[tuple[dt.time | str, dt.time | str]]],
    *,
    comment: str = "",
) -> WorkSchedule:
    """Replace the municipality's weekly schedule; a bad schedule raises and saves nothing."""
    try:
        normal = normalize_schedule(intervals)
    except ScheduleError as exc:
        raise ValidationError(str(exc)) from None
    if not any(normal):
        raise ValidationError("В графике нет ни одного рабочего интервала.")
    schedule, _ = WorkSchedule.objects.update_or_create(municipality=municipality, defaults={"comment": comment})
    schedule.intervals.all().delete()
    WorkInterval.objects.bulk_create(
        WorkInterval(schedule=schedule, weekday=weekday, start=_time(start), end=_time(end))
        for weekday, day in enumerate(normal)
        for start, end in day
    )
    return schedule


def _time(seconds: int) -> dt.time:
    if seconds >= 24 * 3600:
        return dt.time(23, 59, 59)  # TimeField has no 24:00; a second short of midnight
    return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


# --- clock readings ---------------------------------------------------------------------------

# Deadlines store where their clock stood when they started, fell due and were met (see
# ``Deadline.start_clock``): seconds of the limit's own kind of time since this moment.
CLOCK_ORIGIN = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
CALENDAR_UNIT = DurationUnit.CALENDAR_MINUTES.value


def clock_reading(calendar: WorkingCalendar, unit: str, t: dt.datetime) -> int:
    """Seconds of working time (plain seconds for calendar-minute limits) from CLOCK_ORIGIN to ``t``."""
    if str(unit) == CALENDAR_UNIT:
        return int((t - CLOCK_ORIGIN).total_seconds())
    return int(calendar.between(CLOCK_ORIGIN, t).total_seconds())


def now_clocks(municipalities: Iterable[Municipality], now: dt.datetime) -> dict[int, tuple[int, int]]:
    """Each municipality's clock readings of ``now``: (working, calendar), one calendar each."""
    calendars = calendars_for(municipalities)
    return {
        pk: (clock_reading(c, "working_minutes", now), clock_reading(c, CALENDAR_UNIT, now))
        for pk, c in calendars.items()
    }


# --- profiles ---------------------------------------------------------------------------------


def create_default_profile(municipality: Municipality, *, active: bool = False) -> RegulationProfile:
    """A profile with the Georgievsk regulation's limits (DESIGN.md "Stages")."""
    with transaction.atomic():
        profile = RegulationProfile.objects.create(
            municipality=municipality, name=DEFAULT_PROFILE_NAME, source=DEFAULT_PROFILE_SOURCE, is_active=active
        )
        StageLimit.objects.bulk_create(
            StageLimit(
                profile=profile,
                stage=stage,
                limit_value=value,
                limit_unit=unit,
                point=point,
                warn_percent=DEFAULT_WARN_PERCENT,
            )
            for stage, (value, unit, point) in DEFAULT_LIMITS.items()
        )
    return profile


def active_profile(municipality: Municipality) -> RegulationProfile:
    """The municipality's active profile; a default one is created (active) if there is none."""
    profile = RegulationProfile.objects.filter(municipality=municipality, is_active=True).first()
    if profile is not None:
        return profile
    try:
        return create_default_profile(municipality, active=True)
    except IntegrityError:  # another process created it meanwhile (one active per municipality)
        return RegulationProfile.objects.get(municipality=municipality, is_active=True)


@transaction.atomic
def activate_profile(profile: RegulationProfile) -> None:
    """Make ``profile`` the active one of its municipality (running deadlines keep their due_at)."""
    list(RegulationProfile.objects.select_for_update().filter(municipality_id=profile.municipality_id))
    RegulationProfile.objects.filter(municipality_id=profile.municipality_id, is_active=True).exclude(
        pk=profile.pk
    ).update(is_active=False)
    RegulationProfile.objects.filter(pk=profile.pk).update(is_active=True)
    profile.is_active = True


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineSpec:
    stage: str
    point: str
    limit_value: int
    limit_unit: str
    started_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime
    start_clock: int
    due_clock: int


def stage_limit(municipality: Municipality, stage: str) -> tuple[int, str, str, int]:
    """(value, unit, point, warn_percent) of ``stage`` in the active profile.

    A stage missing from the profile (deleted in admin) falls back to the default limit.
    """
    if stage not in Stage.values:
        raise ValueError(f"Неизвестный этап регламента: {stage!r}")
    profile = active_profile(municipality)
    limit = profile.limits.filter(stage=stage).first()
    if limit is None:
        value, unit, point = DEFAULT_LIMITS[stage]
        return value, str(unit), point, DEFAULT_WARN_PERCENT
    return limit.limit_value, limit.limit_unit, limit.point, limit.warn_percent


def compute_deadline(municipality: Municipality, stage: str, started_at: dt.datetime) -> DeadlineSpec:
    """Due and warning moments of ``stage`` started at ``started_at``, per the active profile.

    ``warn_at`` is reached when ``warn_percent`` of the limit has run, counted in the limit's
    own kind of time: working time for working minutes; for working days, the working time of
    the counted days (from the first working moment of the day after the event to the due
    moment); plain clock time for calendar minutes.
    """
    value, unit, point, warn_percent = stage_limit(municipality, stage)
    calendar = calendar_for(municipality)
    duration = Duration(value, DurationUnit(unit))
    due_at = calendar.add(started_at, duration)
    warn_at = _warn_at(calendar, duration, started_at, due_at, warn_percent)
    return DeadlineSpec(
        stage=str(stage),
        point=point,
        limit_value=value,
        limit_unit=str(unit),
        started_at=started_at,
        due_at=due_at,
        warn_at=warn_at,
        start_clock=clock_reading(calendar, str(unit), started_at),
        due_clock=clock_reading(calendar, str(unit), due_at),
    )


def _warn_at(
    calendar: WorkingCalendar, duration: Duration, started_at: dt.datetime, due_at: dt.datetime, percent: int
) -> dt.datetime:
    if percent >= 100 or duration.value == 0:
        return due_at
    if duration.unit is DurationUnit.CALENDAR_MINUTES:
        return started_at.astimezone(calendar.tz) + (due_at - started_at) * percent // 100
    if duration.unit is DurationUnit.WORKING_DAYS:
        local = started_at.astimezone(calendar.tz)
        next_day = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=calendar.tz)
        period_start = calendar.next_working(next_day)
    else:
        period_start = started_at
    total = calendar.between(period_start, due_at)
    return calendar.add_working_time(period_start, total * percent // 100)
