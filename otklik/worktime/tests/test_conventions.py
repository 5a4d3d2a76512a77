"""Each convention of the module docstring, on the Russian calendar with the default schedule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from otklik.worktime import Duration, ProductionCalendarFallbackWarning, WorkingCalendar

from .helpers import MSK, msk

cal = WorkingCalendar.russia()
wm = Duration.working_minutes


def test_clock_started_outside_working_time_starts_at_next_working_moment():
    assert cal.add(msk(2025, 3, 3, 7, 0), wm(30)) == msk(2025, 3, 3, 9, 30)  # before opening
    assert cal.add(msk(2025, 3, 3, 13, 20), wm(30)) == msk(2025, 3, 3, 14, 30)  # lunch
    assert cal.add(msk(2025, 3, 1, 12, 0), wm(30)) == msk(2025, 3, 3, 9, 30)  # Saturday
    assert cal.add(msk(2025, 3, 3, 18, 0), wm(30)) == msk(2025, 3, 4, 9, 30)  # closing time


def test_deadline_landing_at_interval_end_stays_there():
    assert cal.add(msk(2025, 3, 3, 17, 0), wm(60)) == msk(2025, 3, 3, 18, 0)
    assert cal.add(msk(2025, 3, 3, 12, 0), wm(60)) == msk(2025, 3, 3, 13, 0)


def test_seconds_and_microseconds_are_kept():
    start = dt.datetime(2025, 3, 3, 10, 15, 42, 123456, tzinfo=MSK)
    assert cal.add(start, wm(30)) == dt.datetime(2025, 3, 3, 10, 45, 42, 123456, tzinfo=MSK)
    assert cal.add(msk(2025, 3, 3, 12, 59, 59), wm(1)) == msk(2025, 3, 3, 14, 0, 59)


def test_add_zero_is_next_working_moment_at_or_after():
    assert cal.add(msk(2025, 3, 3, 10, 0, 5), wm(0)) == msk(2025, 3, 3, 10, 0, 5)
    assert cal.add(msk(2025, 3, 3, 18, 0), wm(0)) == msk(2025, 3, 4, 9, 0)
    assert cal.add(msk(2025, 3, 3, 13, 0), Duration.working_days(0)) == msk(2025, 3, 3, 14, 0)
    assert cal.next_working(msk(2025, 3, 8, 10, 0)) == msk(2025, 3, 10, 9, 0)


def test_working_days_end_at_close_of_nth_working_day_after_the_event_day():
    assert cal.add(msk(2025, 3, 3, 10, 0), Duration.working_days(1)) == msk(2025, 3, 4, 18, 0)
    # the event's day counts even when the event is after hours or on a weekend
    assert cal.add(msk(2025, 3, 3, 23, 0), Duration.working_days(1)) == msk(2025, 3, 4, 18, 0)
    assert cal.add(msk(2025, 3, 1, 10, 0), Duration.working_days(1)) == msk(2025, 3, 3, 18, 0)
    # a shortened day closes an hour early (Fri 2025-03-07)
    assert cal.add(msk(2025, 3, 6, 10, 0), Duration.working_days(1)) == msk(2025, 3, 7, 17, 0)


def test_event_day_is_taken_in_the_calendars_timezone():
    # 23:30 UTC on Mon is already Tue in Moscow, so one working day ends on Wed.
    start = dt.datetime(2025, 3, 3, 23, 30, tzinfo=dt.UTC)
    assert cal.add(start, Duration.working_days(1)) == msk(2025, 3, 5, 18, 0)


def test_calendar_minutes_are_plain_clock_time():
    assert cal.add(msk(2025, 3, 8, 23, 50), Duration.calendar_minutes(90)) == msk(2025, 3, 9, 1, 20)


def test_between_counts_working_time_in_half_open_range():
    assert cal.between(msk(2025, 3, 3, 12, 30), msk(2025, 3, 3, 14, 30)) == dt.timedelta(hours=1)
    assert cal.between(msk(2025, 3, 7, 8, 0), msk(2025, 3, 10, 10, 0)) == dt.timedelta(hours=8)
    assert cal.between(msk(2025, 3, 3, 14, 30), msk(2025, 3, 3, 12, 30)) == -dt.timedelta(hours=1)


def test_between_inverts_add():
    start = msk(2025, 12, 30, 17, 31, 7)
    assert cal.between(start, cal.add(start, wm(125))) == dt.timedelta(minutes=125)


def test_results_are_in_the_calendars_timezone_whatever_the_input():
    start = dt.datetime(2025, 3, 3, 7, 0, tzinfo=dt.UTC)  # 10:00 in Moscow
    due = cal.add(start, wm(60))
    assert due.tzinfo is MSK and due == msk(2025, 3, 3, 11, 0)


def test_is_working_uses_half_open_intervals():
    assert cal.is_working(msk(2025, 3, 3, 9, 0))
    assert cal.is_working(msk(2025, 3, 3, 17, 59, 59))
    assert not cal.is_working(msk(2025, 3, 3, 18, 0))
    assert not cal.is_working(msk(2025, 3, 3, 13, 30))
    assert not cal.is_working(msk(2025, 3, 8, 10, 0))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="часового пояса"):
        cal.add(dt.datetime(2025, 3, 3, 10, 0), wm(30))


def test_working_saturday_uses_mondays_schedule_and_shortened_day_loses_last_hour():
    assert [(a.hour, b.hour) for a, b in cal.intervals_on(dt.date(2025, 11, 1))] == [(9, 13), (14, 17)]
    assert [(a.hour, b.hour) for a, b in cal.intervals_on(dt.date(2025, 3, 7))] == [(9, 13), (14, 17)]
    assert cal.intervals_on(dt.date(2025, 11, 3)) == []


def test_shortening_eats_into_earlier_intervals_when_the_last_is_short():
    short = WorkingCalendar({0: [("09:00", "12:00"), ("12:30", "13:00")]}, "UTC", shortened=["2025-03-03"])
    assert [(a.time(), b.time()) for a, b in short.intervals_on(dt.date(2025, 3, 3))] == [(dt.time(9), dt.time(11, 30))]


def test_local_overrides_beat_the_production_calendar():
    local = WorkingCalendar.russia(
        extra_nonworking=["2025-03-04"], extra_working=["2025-03-08"], extra_shortened=["2025-03-05"]
    )
    assert not local.is_working_day(dt.date(2025, 3, 4))
    assert local.is_working_day(dt.date(2025, 3, 8))  # a holiday made working locally
    assert local.intervals_on(dt.date(2025, 3, 5))[-1][1] == msk(2025, 3, 5, 17, 0)


def test_a_day_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="дважды"):
        WorkingCalendar.russia(extra_nonworking=["2025-03-04"], extra_working=["2025-03-04"])


def test_years_far_from_the_index_are_reached():
    with pytest.warns(ProductionCalendarFallbackWarning, match="2019"):
        fresh = WorkingCalendar.russia()
        # 2019-12-31 is a pre-holiday day (from python-holidays + ТК ст. 95): it closes at 17:00
        assert fresh.add(msk(2019, 12, 31, 16, 30), wm(60)) == msk(2020, 1, 9, 9, 30)
    foreign = WorkingCalendar({0: [("10:00", "11:00")]}, ZoneInfo("Asia/Vladivostok"))
    start = dt.datetime(2030, 1, 1, tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert foreign.add(start, wm(60 * 60)).year == 2031  # 60 Mondays spill into the next year


def test_a_calendar_without_working_time_says_so():
    empty = WorkingCalendar({}, "UTC")
    with pytest.raises(ValueError, match="нет рабочего времени"):
        empty.add(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), wm(1))


def test_a_fraction_of_a_second_carries_over_the_lunch_break():
    start = dt.datetime(2025, 3, 3, 12, 59, 0, 700000, tzinfo=MSK)
    assert cal.add(start, wm(1)) == dt.datetime(2025, 3, 3, 14, 0, 0, 700000, tzinfo=MSK)
    assert cal.between(start, cal.add(start, wm(1))) == dt.timedelta(minutes=1)
