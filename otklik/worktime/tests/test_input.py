"""Durations and schedules: parsing and clear errors for bad input."""

import pytest

from otklik.worktime import Duration, DurationUnit, ScheduleError, WorkingCalendar, parse_duration


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30m", Duration.working_minutes(30)),
        ("1h", Duration.working_minutes(60)),
        ("1h30m", Duration.working_minutes(90)),
        ("7d", Duration.working_days(7)),
        ("90cm", Duration.calendar_minutes(90)),
        (" 2H ", Duration.working_minutes(120)),
    ],
)
def test_it_parses_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "30", "1.5h", "-30m", "1d2h", "30min", "m30"])
def test_it_refuses_durations_that_do_not_parse(text):
    with pytest.raises(ValueError, match="Не удалось разобрать срок"):
        parse_duration(text)


def test_units_match_the_stored_strings():
    assert [u.value for u in DurationUnit] == ["working_minutes", "working_days", "calendar_minutes"]
    assert Duration(30, "working_minutes") == Duration.working_minutes(30)
    assert str(parse_duration("1h30m")) == "1h30m"


def test_it_refuses_negative_durations_and_unknown_units():
    with pytest.raises(ValueError, match="отрицательным"):
        Duration.working_minutes(-1)
    with pytest.raises(ValueError, match="Неизвестная единица"):
        Duration(1, "fortnights")


def test_it_refuses_an_unknown_timezone():
    with pytest.raises(ScheduleError, match="Неизвестный часовой пояс 'Europe/Mordor'"):
        WorkingCalendar(tz="Europe/Mordor")


def test_it_refuses_an_interval_ending_before_it_starts():
    with pytest.raises(ScheduleError, match="понедельник: интервал 18:00–09:00"):
        WorkingCalendar({0: [("18:00", "09:00")]})


def test_it_refuses_overlapping_intervals():
    with pytest.raises(ScheduleError, match="вторник: интервалы 09:00–13:00 и 12:00–18:00 пересекаются"):
        WorkingCalendar({1: [("12:00", "18:00"), ("09:00", "13:00")]})


def test_it_refuses_an_unknown_weekday_and_bad_times():
    with pytest.raises(ScheduleError, match="день недели"):
        WorkingCalendar({7: [("09:00", "18:00")]})
    with pytest.raises(ScheduleError, match="ЧЧ:ММ"):
        WorkingCalendar({0: [("9 утра", "18:00")]})
