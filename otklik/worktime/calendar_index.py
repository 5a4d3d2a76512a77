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

Implementation: the working intervals of whole years are precomputed as UTC microsecond
bounds with cumulative working time, so every call is a couple of ``bisect`` look-ups
(O(log n)). The index grows by whole years when a call goes past it.
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
US_PER_SECOND = 1_000_000
MAX_EMPTY_YEARS = 10
_fromtimestamp = dt.datetime.fromtimestamp  # give up looking for working time this far ahead

DaySource = Callable[[int], YearDays]


@dataclass
class _Index:
    first_year: int
    last_year: int
    lo_us: int  # local midnight of Jan 1, first_year
    hi_us: int  # local midnight of Jan 1, last_year + 1
    starts: list[int]
    ends: list[int]
    cum_before: list[int]  # working time before interval i
    cum_after: list[int]  # working time up to the end of interval i
    day_midnights: list[int]  # local midnight of each working day, ascending
    day_closes: list[int]  # end of each working day's last interval

    def position(self, us: int) -> int:
        """Working time from the start of the index up to ``us``."""
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        if us < self.ends[i]:
            return self.cum_before[i] + us - self.starts[i]
        return self.cum_after[i]


def _to_us(t: dt.datetime) -> int:
    """Exact UTC microseconds since the epoch of an aware datetime."""
    if t.tzinfo is None:  # also refuses a date, which has no tzinfo
        if not isinstance(t, dt.datetime):
            raise TypeError(f"ожидается datetime, а не {type(t).__name__}")
        raise ValueError(f"время {t.isoformat()} без часового пояса: нужно aware datetime")
    micro = t.microsecond
    # timestamp() is us / 1e6 correctly rounded, so the whole seconds are recovered exactly.
    return round(t.timestamp() - micro / US_PER_SECOND) * US_PER_SECOND + micro


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
        self.shorten_by_us = shorten_by // ONE_US
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
            cut = self.shorten_by_us // US_PER_SECOND
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

    def _local_us(self, day: dt.date, seconds: int) -> int:
        return (self._local(day, seconds) - EPOCH) // ONE_US

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
        day = dt.date(first_year, 1, 1)
        stop = dt.date(last_year + 1, 1, 1)
        one_day = dt.timedelta(days=1)
        while day < stop:
            close = None
            for start_s, end_s in self._day_seconds(day):
                start, end = self._local_us(day, start_s), self._local_us(day, end_s)
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
                day_midnights.append(self._local_us(day, 0))
                day_closes.append(close)
            day += one_day
        return _Index(
            first_year=first_year,
            last_year=last_year,
            lo_us=self._local_us(dt.date(first_year, 1, 1), 0),
            hi_us=self._local_us(stop, 0),
            starts=starts,
            ends=ends,
            cum_before=cum_before,
            cum_after=cum_after,
            day_midnights=day_midnights,
            day_closes=day_closes,
        )

    def _year_of(self, us: int) -> int:
        return self._from_us(us).year

    def _covering(self, *points: int) -> _Index:
        """An index whose range holds every point (built or grown as needed)."""
        index = self._index
        if index is not None:
            lo, hi = index.lo_us, index.hi_us
            if all(lo <= p < hi for p in points):
                return index
        with self._lock:
            index = self._index
            years = {self._year_of(p) for p in points}
            if index is not None:
                if all(index.lo_us <= p < index.hi_us for p in points):
                    return index
                years |= {index.first_year, index.last_year}
            first, last = min(years), max(years)
            if index is None:
                preferred = self._source_years
                if preferred and preferred[0] <= first and last <= preferred[1]:
                    first, last = preferred
                else:
                    first, last = first - 1, last + 1
            index = self._build(first, last)
            self._index = index
            return index

    def _grow(self, index: _Index, start_us: int) -> _Index:
        """Extend the index by a year forward; give up if nothing is working for years."""
        if index.last_year - self._year_of(start_us) > MAX_EMPTY_YEARS:
            raise ValueError(
                f"в календаре нет рабочего времени на {MAX_EMPTY_YEARS} лет вперёд "
                f"от {self._from_us(start_us).isoformat()}"
            )
        with self._lock:
            current = self._index
            if current is None or current is index:
                current = self._index = self._build(index.first_year, index.last_year + 1)
            return current

    def _from_us(self, us: int) -> dt.datetime:
        seconds, micro = divmod(us, US_PER_SECOND)
        result = _fromtimestamp(seconds, self.tz)
        return result.replace(microsecond=micro) if micro else result

    # --- arithmetic -----------------------------------------------------------------------

    def _next_working_us(self, us: int) -> int:
        index = self._index
        if index is None or not index.lo_us <= us < index.hi_us:
            index = self._covering(us)
        while True:
            i = bisect_right(index.ends, us)  # first interval ending after us
            if i < len(index.starts):
                return max(us, index.starts[i])
            index = self._grow(index, us)

    def _add_working_us(self, us: int, amount: int) -> int:
        if amount == 0:
            return self._next_working_us(us)
        index = self._index
        if index is None or not index.lo_us <= us < index.hi_us:
            index = self._covering(us)
        while True:
            starts = index.starts
            i = bisect_right(starts, us) - 1  # index.position(us), inlined: this is the hot path
            if i < 0:
                target = amount
            elif us < index.ends[i]:
                target = index.cum_before[i] + us - starts[i] + amount
            else:
                target = index.cum_after[i] + amount
            j = bisect_left(index.cum_after, target)
            if j < len(index.starts):
                return index.starts[j] + target - index.cum_before[j]
            index = self._grow(index, us)

    def _add_days_us(self, us: int, days: int) -> int:
        if days == 0:
            return self._next_working_us(us)
        index = self._index
        if index is None or not index.lo_us <= us < index.hi_us:
            index = self._covering(us)
        while True:
            # The first working day after the event's (local) day is the first whose local
            # midnight is later than the event.
            k = bisect_right(index.day_midnights, us) + days - 1
            if k < len(index.day_closes):
                return index.day_closes[k]
            index = self._grow(index, us)

    def add(self, start: dt.datetime, duration: Duration) -> dt.datetime:
        """The moment ``duration`` after ``start`` (see the module's conventions)."""
        us = _to_us(start)
        unit = duration.unit
        if unit is DurationUnit.WORKING_MINUTES:
            return self._from_us(self._add_working_us(us, duration.value * 60 * US_PER_SECOND))
        if unit is DurationUnit.WORKING_DAYS:
            return self._from_us(self._add_days_us(us, duration.value))
        return self._from_us(us + duration.value * 60 * US_PER_SECOND)

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``start`` plus ``amount`` of working time (seconds and microseconds kept)."""
        if amount < dt.timedelta(0):
            raise ValueError("рабочее время не может быть отрицательным")
        return self._from_us(self._add_working_us(_to_us(start), amount // ONE_US))

    def between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time in ``[a, b)``; negative if ``b`` is before ``a``."""
        a_us, b_us = _to_us(a), _to_us(b)
        index = self._index
        if index is None or not (index.lo_us <= a_us < index.hi_us and index.lo_us <= b_us < index.hi_us):
            index = self._covering(a_us, b_us)
        return dt.timedelta(microseconds=index.position(b_us) - index.position(a_us))

    def is_working(self, t: dt.datetime) -> bool:
        us = _to_us(t)
        index = self._covering(us)
        i = bisect_right(index.starts, us) - 1
        return i >= 0 and us < index.ends[i]

    def next_working(self, t: dt.datetime) -> dt.datetime:
        """``t`` itself if it is working time, else the start of the next working interval."""
        return self._from_us(self._next_working_us(_to_us(t)))
