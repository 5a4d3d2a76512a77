"""The working calendar: a weekly schedule, day lists and a timezone, with fast arithmetic.

Conventions (each pinned by a test in ``otklik/worktime/tests``):

* Working intervals are half-open ``[start, end)``: 18:00 is not a working moment.
* Seconds (and microseconds) are kept; nothing is rounded.
* ``add(t, working minutes)``: a clock started outside working time starts at the next working
  moment; a deadline that lands exactly at the end of an interval stays there (18:00 today,
  not 09:00 tomorrow).
* ``add(t, 0)`` (of any working unit) is the next working moment at or after ``t``.
* ``add(t, N working days)`` (N > 0) counts from the day after the event's day (ГК РФ ст. 191,
  the event's day taken in the calendar's timezone) and ends at the close of the N-th working
  day — the end of its last interval, one hour earlier on a shortened day.
* ``add(t, calendar minutes)`` is plain clock time: ``t + N minutes``.
* ``between(a, b)`` is the working time in ``[a, b)``; negative when ``b < a``.
  ``between(a, add(a, d)) == d`` for working-minute durations; ``add`` is monotonic and
  additive: ``add(add(t, a), b) == add(t, a + b)``.
* Results are aware datetimes in the calendar's timezone; naive inputs are refused.
* Day status, strongest first: the calendar's own lists (non-working, shortened, working);
  then the day source (the production calendar); then the weekly schedule. A working day whose
  weekday has no intervals (a working Saturday) uses the first weekday that has intervals
  (Monday in the default schedule). A shortened day loses ``shorten_by`` (one hour, ТК РФ
  ст. 95) from the end of its working time.

Implementation: the working intervals of whole local years are precomputed as UTC epoch
seconds (schedule bounds are whole seconds) with cumulative working time, so every call is one
or two ``bisect`` look-ups (O(log n)); moments keep their microseconds beside the seconds.
Moments in the calendar's own zone with a fixed UTC offset over the index (Moscow since 2014)
convert from their fields without a zone look-up. Interval bounds are real instants, so DST
days count real time. The index grows by whole years when a call goes past it (for the
production calendar outside 2020–2027 with a ``ProductionCalendarFallbackWarning``).
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .duration import Duration, DurationUnit
from .production import FIRST_YEAR, LAST_YEAR, YearDays, warn_fallback, year_days
from .schedule import NormalSchedule, ScheduleInput, get_zone, normalize_schedule

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = dt.timedelta(microseconds=1)
ONE_SECOND = dt.timedelta(seconds=1)
US = 1_000_000  # microseconds per second
EPOCH_ORDINAL = EPOCH.date().toordinal()
MAX_EMPTY_YEARS = 10  # give up looking for working time this far ahead
_fromtimestamp = dt.datetime.fromtimestamp

DaySource = Callable[[int], YearDays]


@dataclass
class _Index:
    """Working intervals of whole local years, in UTC epoch seconds (interval bounds are whole seconds).

    Moments are handled as (whole seconds ``s``, microseconds ``f``); because every bound is a
    whole second, comparing ``s`` with a bound decides as comparing the exact moment would.
    """

    first_year: int
    last_year: int
    lo: int  # local midnight of Jan 1, first_year
    hi: int  # local midnight of Jan 1, last_year + 1
    starts: list[int]
    ends: list[int]
    cum_before: list[int]  # working seconds before interval i
    cum_after: list[int]  # working seconds up to the end of interval i
    day_midnights: list[int]  # local midnight of each working day, ascending
    day_closes: list[int]  # end of each working day's last interval
    # The zone's UTC offset if it is the same over the whole range (Moscow since 2014): then a
    # moment in the calendar's own zone converts from its fields, without a zone look-up.
    fixed_offset: int | None
    # Fast paths only trust moments a day inside the range (an offset is less than a day).
    fast_lo: int = 0
    fast_hi: int = 0

    def __post_init__(self) -> None:
        self.fast_lo, self.fast_hi = self.lo + 86400, self.hi - 86400

    def position_us(self, us: int) -> int:
        """Working microseconds from the start of the index up to ``us``."""
        s, f = divmod(us, US)
        i = bisect_right(self.starts, s) - 1
        if i < 0:
            return 0
        if s < self.ends[i]:
            return (self.cum_before[i] + s - self.starts[i]) * US + f
        return self.cum_after[i] * US

    def moment_at_us(self, target: int) -> int | None:
        """The moment at which ``target`` (> 0) working microseconds have passed; None past the end."""
        t, f = divmod(target, US)
        j = bisect_right(self.cum_after, t) if f else bisect_left(self.cum_after, t)
        if j >= len(self.starts):
            return None
        return (self.starts[j] + t - self.cum_before[j]) * US + f


def _to_us(t: dt.datetime) -> int:
    """Exact UTC microseconds since the epoch of an aware datetime."""
    if t.tzinfo is None:  # also refuses a date, which has no tzinfo
        if not isinstance(t, dt.datetime):
            raise TypeError(f"ожидается datetime, а не {type(t).__name__}")
        raise ValueError(f"время {t.isoformat()} без часового пояса: нужно aware datetime")
    micro = t.microsecond
    # timestamp() is us / 1e6 correctly rounded, so the whole seconds are recovered exactly.
    return round(t.timestamp() - micro / US) * US + micro


def _as_dates(days: Iterable[dt.date | str]) -> set[dt.date]:
    result = set()
    for day in days:
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        if isinstance(day, dt.datetime):
            day = day.date()
        result.add(day)
    return result


class WorkingCalendar:
    """Working time of one organization: schedule, day lists, timezone."""

    def __init__(
        self,
        schedule: ScheduleInput | None = None,
        tz: str | dt.tzinfo = "Europe/Moscow",
        nonworking: Iterable[dt.date | str] = (),
        working: Iterable[dt.date | str] = (),
        shortened: Iterable[dt.date | str] = (),
        *,
        day_source: DaySource | None = None,
        source_years: tuple[int, int] | None = None,
        shorten_by: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.tz = get_zone(tz)
        self.tz_name = str(getattr(self.tz, "key", self.tz))
        self.schedule: NormalSchedule = normalize_schedule(schedule)
        self.shorten_by = shorten_by // ONE_SECOND
        self._overrides: dict[dt.date, str] = {}
        for kind, days in (("nonworking", nonworking), ("working", working), ("shortened", shortened)):
            for day in _as_dates(days):
                if day in self._overrides:
                    raise ValueError(f"день {day.isoformat()} указан дважды: {self._overrides[day]} и {kind}")
                self._overrides[day] = kind
        self._day_source = day_source
        self._source_years = source_years
        # Schedule for a working day whose weekday has no intervals (e.g. a working Saturday).
        self._transfer_template = next((day for day in self.schedule if day), ())
        self._index: _Index | None = None
        self._lock = threading.Lock()

    @classmethod
    def russia(
        cls,
        schedule: ScheduleInput | None = None,
        tz: str | dt.tzinfo = "Europe/Moscow",
        extra_nonworking: Iterable[dt.date | str] = (),
        extra_working: Iterable[dt.date | str] = (),
        extra_shortened: Iterable[dt.date | str] = (),
    ) -> WorkingCalendar:
        """The Russian production calendar (default schedule Mon–Fri 09–13, 14–18) plus local days."""
        return cls(
            schedule,
            tz,
            nonworking=extra_nonworking,
            working=extra_working,
            shortened=extra_shortened,
            day_source=year_days,
            source_years=(FIRST_YEAR, LAST_YEAR),
        )

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.tz_name} overrides={len(self._overrides)}>"

    # --- days -----------------------------------------------------------------------------

    def day_kind(self, day: dt.date) -> str:
        """``nonworking``, ``working``, ``shortened`` or ``weekly`` (the schedule decides)."""
        kind = self._overrides.get(day)
        if kind is not None:
            return kind
        if self._day_source is not None:
            days = self._day_source(day.year)
            if day in days.nonworking:
                return "nonworking"
            if day in days.shortened:
                return "shortened"
            if day in days.working:
                return "working"
        return "weekly"

    def _day_seconds(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """The working intervals of ``day`` as seconds since local midnight."""
        kind = self.day_kind(day)
        if kind == "nonworking":
            return ()
        intervals = self.schedule[day.weekday()]
        if kind == "weekly":
            return intervals
        if not intervals:
            intervals = self._transfer_template
        if kind == "shortened":
            cut = self.shorten_by
            result = list(intervals)
            while cut > 0 and result:
                start, end = result[-1]
                if end - start > cut:
                    result[-1] = (start, end - cut)
                    cut = 0
                else:
                    cut -= end - start
                    result.pop()
            return tuple(result)
        return intervals

    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals of a local date, as aware datetimes."""
        return [(self._local(day, start), self._local(day, end)) for start, end in self._day_seconds(day)]

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._day_seconds(day))

    def _local(self, day: dt.date, seconds: int) -> dt.datetime:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz)
        if seconds == 0:
            return midnight
        wall = midnight.replace(tzinfo=None) + dt.timedelta(seconds=seconds)
        return wall.replace(tzinfo=self.tz)

    def _local_epoch(self, day: dt.date, seconds: int) -> int:
        return (self._local(day, seconds) - EPOCH) // ONE_SECOND

    # --- index ----------------------------------------------------------------------------

    def _build(self, first_year: int, last_year: int) -> _Index:
        if self._day_source is not None:
            for year in range(first_year, last_year + 1):
                if not self._day_source(year).shipped:
                    warn_fallback(year, stacklevel=5)
        starts: list[int] = []
        ends: list[int] = []
        cum_before: list[int] = []
        cum_after: list[int] = []
        day_midnights: list[int] = []
        day_closes: list[int] = []
        total = 0
        offsets: set[dt.timedelta | None] = set()
        day = dt.date(first_year, 1, 1)
        stop = dt.date(last_year + 1, 1, 1)
        one_day = dt.timedelta(days=1)
        while day < stop:
            close = None
            offsets.add(self._local(day, 0).utcoffset())
            for start_s, end_s in self._day_seconds(day):
                offsets.add(self._local(day, start_s).utcoffset())
                offsets.add(self._local(day, end_s).utcoffset())
                start, end = self._local_epoch(day, start_s), self._local_epoch(day, end_s)
                if starts and start < ends[-1]:
                    start = ends[-1]  # a DST fold: never let intervals overlap
                if end <= start:
                    continue
                starts.append(start)
                ends.append(end)
                cum_before.append(total)
                total += end - start
                cum_after.append(total)
                close = end
            if close is not None:
                day_midnights.append(self._local_epoch(day, 0))
                day_closes.append(close)
            day += one_day
        only = next(iter(offsets)) if len(offsets) == 1 else None
        fixed_offset = only // ONE_SECOND if only is not None else None
        return _Index(
            first_year=first_year,
            last_year=last_year,
            lo=self._local_epoch(dt.date(first_year, 1, 1), 0),
            hi=self._local_epoch(stop, 0),
            starts=starts,
            ends=ends,
            cum_before=cum_before,
            cum_after=cum_after,
            day_midnights=day_midnights,
            day_closes=day_closes,
            fixed_offset=fixed_offset,
        )

    def _covering(self, *points_us: int) -> _Index:
        """An index whose range holds every point (built or grown as needed)."""
        seconds = [p // US for p in points_us]
        index = self._index
        if index is not None and all(index.lo <= s < index.hi for s in seconds):
            return index
        with self._lock:
            index = self._index
            years = {self._from_us(p).year for p in points_us}
            if index is not None:
                if all(index.lo <= s < index.hi for s in seconds):
                    return index
                years |= {index.first_year, index.last_year}
            first, last = min(years), max(years)
            if index is None:
                preferred = self._source_years
                if preferred and preferred[0] <= first and last <= preferred[1]:
                    first, last = preferred
                else:
                    first, last = first - 1, last + 1
            index = self._index = self._build(first, last)
            return index

    def _grow(self, index: _Index, from_us: int) -> _Index:
        """Extend the index by a year forward; give up if nothing is working for years."""
        if index.last_year - self._from_us(from_us).year > MAX_EMPTY_YEARS:
            raise ValueError(
                f"в календаре нет рабочего времени на {MAX_EMPTY_YEARS} лет вперёд от {self._from_us(from_us).isoformat()}"
            )
        with self._lock:
            current = self._index
            if current is None or current is index:
                current = self._index = self._build(index.first_year, index.last_year + 1)
            return current

    def _from_us(self, us: int) -> dt.datetime:
        seconds, micro = divmod(us, US)
        result = _fromtimestamp(seconds, self.tz)
        return result.replace(microsecond=micro) if micro else result

    # --- arithmetic (exact, in microseconds) ----------------------------------------------

    def _next_working_us(self, us: int) -> int:
        index = self._covering(us)
        while True:
            i = bisect_right(index.ends, us // US)  # the first interval ending after us
            if i < len(index.starts):
                return max(us, index.starts[i] * US)
            index = self._grow(index, us)

    def _add_working_us(self, us: int, amount: int) -> int:
        if amount == 0:
            return self._next_working_us(us)
        index = self._covering(us)
        while True:
            result = index.moment_at_us(index.position_us(us) + amount)
            if result is not None:
                return result
            index = self._grow(index, us)

    def _add_days_us(self, us: int, days: int) -> int:
        if days == 0:
            return self._next_working_us(us)
        index = self._covering(us)
        while True:
            # The first working day after the event's (local) day is the first whose local
            # midnight is later than the event.
            k = bisect_right(index.day_midnights, us // US) + days - 1
            if k < len(index.day_closes):
                return index.day_closes[k] * US
            index = self._grow(index, us)

    # --- public API -----------------------------------------------------------------------

    def add(self, start: dt.datetime, duration: Duration) -> dt.datetime:
        """The moment ``duration`` after ``start`` (see the module's conventions)."""
        unit = duration.unit
        value = duration.value
        index = self._index
        # Fast paths (start well inside the index; whole seconds for working minutes): plain
        # int arithmetic and one or two bisects. Anything else takes the exact general path.
        if index is not None and value and unit is not DurationUnit.CALENDAR_MINUTES:
            tz = start.tzinfo
            if tz is self.tz and index.fixed_offset is not None:
                s = (
                    (start.toordinal() - EPOCH_ORDINAL) * 86400
                    + start.hour * 3600
                    + start.minute * 60
                    + start.second
                    - index.fixed_offset
                )
            elif tz is not None:
                s = int(start.timestamp() // 1)
            else:
                s = index.lo - 1  # naive: the general path refuses it
            if index.fast_lo <= s < index.fast_hi:
                if unit is DurationUnit.WORKING_DAYS:
                    k = bisect_right(index.day_midnights, s) + value - 1
                    if k < len(index.day_closes):
                        return _fromtimestamp(index.day_closes[k], self.tz)
                elif not start.microsecond:
                    starts = index.starts
                    i = bisect_right(starts, s) - 1
                    if i < 0:
                        target = value * 60
                    elif s < index.ends[i]:
                        target = index.cum_before[i] + s - starts[i] + value * 60
                    else:
                        target = index.cum_after[i] + value * 60
                    j = bisect_left(index.cum_after, target)
                    if j < len(starts):
                        return _fromtimestamp(starts[j] + target - index.cum_before[j], self.tz)
        if unit is DurationUnit.WORKING_MINUTES:
            return self._from_us(self._add_working_us(_to_us(start), value * 60 * US))
        if unit is DurationUnit.WORKING_DAYS:
            return self._from_us(self._add_days_us(_to_us(start), value))
        return self._from_us(_to_us(start) + value * 60 * US)

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``start`` plus ``amount`` of working time (seconds and microseconds kept)."""
        if amount < dt.timedelta(0):
            raise ValueError("рабочее время не может быть отрицательным")
        return self._from_us(self._add_working_us(_to_us(start), amount // ONE_US))

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time in ``[a, b)``; negative if ``b`` is before ``a``."""
        a_us, b_us = _to_us(a), _to_us(b)
        index = self._covering(a_us, b_us)
        return dt.timedelta(microseconds=index.position_us(b_us) - index.position_us(a_us))

    def is_working(self, t: dt.datetime) -> bool:
        us = _to_us(t)
        index = self._covering(us)
        s = us // US
        i = bisect_right(index.starts, s) - 1
        return i >= 0 and s < index.ends[i]

    def next_working(self, t: dt.datetime) -> dt.datetime:
        """``t`` itself if it is working time, else the start of the next working interval."""
        return self._from_us(self._next_working_us(_to_us(t)))
