"""Published cases of peer systems, on calendars built for them, and the issue's Russian cases."""

import datetime as dt
from zoneinfo import ZoneInfo

from otklik.worktime import Duration, WorkingCalendar, parse_duration

from .helpers import msk

WEEKDAYS_9_17 = {weekday: [("09:00", "17:00")] for weekday in range(5)}
russia = WorkingCalendar.russia()


def test_zammad_holiday_is_skipped():
    berlin = ZoneInfo("Europe/Berlin")
    cal = WorkingCalendar(WEEKDAYS_9_17, "Europe/Berlin", nonworking=[dt.date(2015, 9, 22)])
    start = dt.datetime(2015, 9, 21, 16, 30, tzinfo=berlin)
    assert cal.add(start, Duration.working_minutes(120)) == dt.datetime(2015, 9, 23, 10, 30, tzinfo=berlin)


def test_chatwoot_friday_evening_rolls_to_monday():
    cal = WorkingCalendar(WEEKDAYS_9_17, "UTC")
    start = dt.datetime(2024, 1, 19, 16, 0, tzinfo=dt.UTC)
    assert cal.add(start, Duration.working_minutes(120)) == dt.datetime(2024, 1, 22, 10, 0, tzinfo=dt.UTC)


def test_shortened_friday_before_womens_day():
    assert russia.add(msk(2025, 3, 7, 15, 0), parse_duration("8h")) == msk(2025, 3, 10, 16, 0)


def test_working_shortened_saturday_before_unity_day():
    assert russia.add(msk(2025, 10, 31, 16, 0), parse_duration("8h")) == msk(2025, 11, 1, 16, 0)


def test_new_year_holidays():
    assert russia.add(msk(2025, 12, 30, 17, 30), parse_duration("1h")) == msk(2026, 1, 12, 9, 30)
    assert russia.add(msk(2025, 12, 30, 17, 0), parse_duration("1h")) == msk(2025, 12, 30, 18, 0)


def test_seven_working_days_over_the_may_holidays():
    assert russia.add(msk(2025, 5, 7, 11, 0), parse_duration("7d")) == msk(2025, 5, 20, 18, 0)
