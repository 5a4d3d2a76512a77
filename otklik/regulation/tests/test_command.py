import json
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from otklik.directory.models import Municipality
from otklik.regulation.models import CalendarOverride


def worktime(*args):
    out = StringIO()
    call_command("worktime", *args, stdout=out)
    return out.getvalue().strip()


def test_it_adds_a_duration_on_the_production_calendar():
    assert worktime("add", "2025-03-07T15:00", "8h") == "2025-03-10T16:00:00+03:00"
    assert worktime("add", "2025-05-07T11:00:00+03:00", "7d") == "2025-05-20T18:00:00+03:00"
    assert worktime("add", "2025-03-03T08:00:00Z", "90cm") == "2025-03-03T12:30:00+03:00"


def test_it_prints_json():
    assert json.loads(worktime("add", "2025-12-30T17:30", "1h", "--json")) == {"due": "2026-01-12T09:30:00+03:00"}
    assert json.loads(worktime("between", "2025-03-07T08:00", "2025-03-10T10:00", "--json")) == {
        "working_seconds": 28800
    }


def test_it_measures_working_time_between_moments():
    assert worktime("between", "2025-03-07T08:00", "2025-03-10T10:00") == "8:00:00"
    assert worktime("between", "2025-03-03T09:00", "2025-03-12T09:00:05") == "55:00:05"  # Fri 03-07 is shortened


@pytest.mark.django_db
def test_it_uses_the_municipalitys_calendar():
    muni = Municipality.objects.create(name="Георгиевск", slug="georgievsk", timezone="Europe/Samara")
    CalendarOverride.objects.create(municipality=muni, date="2025-03-10", kind="nonworking")
    assert worktime("add", "2025-03-07T15:00", "8h", "--municipality", "georgievsk") == "2025-03-11T16:00:00+04:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "2025-03-07T15:00", "8x"], "Не удалось разобрать срок '8x'"),
        (["add", "вчера", "1h"], "Не удалось разобрать время"),
        (["add", "2025-03-07T15:00", "1h", "--tz", "Europe/Mordor"], "Неизвестный часовой пояс"),
        (["add", "2025-03-07T15:00", "1h", "--municipality", "atlantis"], "не найден"),
        (["add", "2025-03-07T15:00"], "required"),
    ],
)
def test_bad_arguments_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        worktime(*args)


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["add", "2025-03-07T15:00", "soon"], 1, "Не удалось разобрать срок"),
        (["add", "2025-03-07T15:00"], 2, "required"),
        (["frob"], 2, "invalid choice"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(capsys, argv, code, message):
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "worktime", *argv]).execute()  # as from the command line
    out, err = capsys.readouterr()
    assert exited.value.code == code and out == ""
    assert err.strip().count("\n") == 0 and message in err
