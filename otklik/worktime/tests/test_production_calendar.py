"""The shipped production calendar, day by day, against both calendars in shared/data."""

import datetime as dt
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from otklik.worktime import Duration, ProductionCalendarFallbackWarning, WorkingCalendar
from otklik.worktime.production import FIRST_YEAR, LAST_YEAR

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("OTKLIK_SHARED_DIR", REPO.parent / "shared"))
DATA = SHARED / "data" / "production-calendar"
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

cal = WorkingCalendar.russia()


def shipped_status(day: dt.date) -> str:
    intervals = cal.intervals_on(day)
    if not intervals:
        return "nonworking"
    hours = sum((end - start for start, end in intervals), dt.timedelta()) / dt.timedelta(hours=1)
    return {8: "working", 7: "shortened"}[hours]


def days_of(year: int):
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)


def xmlcalendar_status(year: int) -> dict[dt.date, str]:
    """xmlcalendar.ru: t=1 day off, t=2 shortened, t=3 working weekend day; others by weekday."""
    path = DATA / "xmlcalendar" / str(year) / "calendar.xml"
    if not path.exists():
        pytest.skip(f"{path} is absent (shared data not laid next to the repo)")
    marks = {}
    for node in ET.parse(path).getroot().iter("day"):
        month, day = map(int, node.get("d").split("."))
        marks[dt.date(year, month, day)] = {"1": "nonworking", "2": "shortened", "3": "working"}[node.get("t")]
    return {d: marks.get(d, "working" if d.weekday() < 5 else "nonworking") for d in days_of(year)}


def consultant_status(year: int) -> dict[dt.date, str]:
    """КонсультантПлюс: holidays = every day off, nowork = presidential non-working days."""
    path = DATA / "consultant" / f"consultant{year}.json"
    if not path.exists():
        pytest.skip(f"{path} is absent (shared data not laid next to the repo)")
    data = json.loads(path.read_text())
    off = {dt.date.fromisoformat(d) for d in data["holidays"] + data.get("nowork", [])}
    short = {dt.date.fromisoformat(d) for d in data["preholidays"]}
    return {d: "nonworking" if d in off else "shortened" if d in short else "working" for d in days_of(year)}


@pytest.mark.parametrize("year", YEARS)
def test_every_day_matches_xmlcalendar(year):
    expected = xmlcalendar_status(year)
    wrong = {d: (shipped_status(d), s) for d, s in expected.items() if shipped_status(d) != s}
    assert wrong == {}


@pytest.mark.parametrize("year", YEARS)
def test_every_day_matches_consultant(year):
    expected = consultant_status(year)
    wrong = {d: (shipped_status(d), s) for d, s in expected.items() if shipped_status(d) != s}
    assert wrong == {}


def test_presidential_non_working_days_are_non_working():
    assert shipped_status(dt.date(2020, 4, 15)) == "nonworking"
    assert shipped_status(dt.date(2020, 7, 1)) == "nonworking"
    assert shipped_status(dt.date(2021, 11, 2)) == "nonworking"


def test_later_years_fall_back_to_python_holidays_with_a_warning():
    later = WorkingCalendar.russia()
    start = dt.datetime(2028, 3, 7, 16, 30, tzinfo=later.tz)
    with pytest.warns(ProductionCalendarFallbackWarning, match="2028"):
        due = later.add(start, Duration.working_minutes(60))
    # 2028-03-07 precedes Women's Day (Wed): shortened to 17:00; 03-08 is off
    assert due == dt.datetime(2028, 3, 9, 9, 30, tzinfo=later.tz)
    # Nov 4 2028 is a Saturday: by ТК ст. 112 ч. 2 the day off moves to Monday Nov 6
    assert not later.is_working_day(dt.date(2028, 11, 6))
    assert later.is_working_day(dt.date(2028, 11, 3))


PRESIDENTIAL = {
    2020: "03-30..04-30 05-06..05-08 06-24 07-01",
    2021: "05-04..05-07 11-01..11-03",
}


@pytest.mark.parametrize("year", YEARS)
def test_the_fallback_agrees_with_the_shipped_data_but_for_presidential_days(year):
    from otklik.worktime.production import _expand, _fallback_year, year_days

    def status(day, days):
        if day in days.nonworking:
            return "nonworking"
        if day in days.shortened:
            return "shortened"
        return "working" if day in days.working or day.weekday() < 5 else "nonworking"

    shipped, fallback = year_days(year), _fallback_year(year)
    differ = {d for d in days_of(year) if status(d, shipped) != status(d, fallback)}
    presidential = {d for d in _expand(year, PRESIDENTIAL.get(year, "")) if d.weekday() < 5}
    assert differ == presidential
