import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from otklik.directory.models import Municipality
from otklik.regulation.models import CalendarOverride, WorkInterval, WorkSchedule
from otklik.regulation.services import calendar_for, set_schedule
from otklik.worktime import Duration

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db
hour = Duration.working_minutes(60)


@pytest.fixture
def muni():
    return Municipality.objects.create(name="Георгиевский городской округ", slug="georgievsk")


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def test_without_a_schedule_it_is_the_production_calendar_with_the_default_schedule(muni):
    cal = calendar_for(muni)
    assert cal.add(msk(2025, 3, 7, 15, 0), Duration.working_minutes(480)) == msk(2025, 3, 10, 16, 0)


def test_it_uses_the_municipalitys_schedule_and_timezone(muni):
    muni.timezone = "Asia/Yekaterinburg"
    muni.save()
    set_schedule(muni, {d: [("08:00", "12:00"), ("13:00", "17:00")] for d in range(5)})
    ekb = ZoneInfo("Asia/Yekaterinburg")
    due = calendar_for(muni).add(dt.datetime(2025, 3, 3, 11, 30, tzinfo=ekb), hour)
    assert due == dt.datetime(2025, 3, 3, 13, 30, tzinfo=ekb) and due.tzinfo == ekb


def test_local_overrides_apply_on_top_of_the_production_calendar(muni):
    CalendarOverride.objects.create(municipality=muni, date=dt.date(2025, 3, 4), kind="nonworking", comment="День края")
    CalendarOverride.objects.create(municipality=muni, date=dt.date(2025, 3, 5), kind="shortened")
    CalendarOverride.objects.create(municipality=muni, date=dt.date(2025, 3, 8), kind="working")
    cal = calendar_for(muni)
    assert cal.add(msk(2025, 3, 3, 17, 30), hour) == msk(2025, 3, 5, 9, 30)
    assert cal.intervals_on(dt.date(2025, 3, 5))[-1][1] == msk(2025, 3, 5, 17, 0)
    assert cal.is_working_day(dt.date(2025, 3, 8))


def test_the_calendar_is_cached_until_its_inputs_change(muni):
    first = calendar_for(muni)
    assert calendar_for(muni) is first
    override = CalendarOverride.objects.create(municipality=muni, date=dt.date(2025, 3, 4), kind="nonworking")
    second = calendar_for(muni)
    assert second is not first and not second.is_working_day(dt.date(2025, 3, 4))
    CalendarOverride.objects.filter(pk=override.pk).update(kind="shortened")  # no save(), no signal
    assert calendar_for(muni).is_working_day(dt.date(2025, 3, 4))
    set_schedule(muni, {0: [("10:00", "12:00")]})
    assert calendar_for(muni).intervals_on(dt.date(2025, 3, 3))[0][0] == msk(2025, 3, 3, 10, 0)


@pytest.mark.parametrize(
    "intervals, message",
    [
        ({0: [("18:00", "09:00")]}, "понедельник: интервал 18:00–09:00 заканчивается не позже, чем начинается"),
        ({2: [("09:00", "13:00"), ("12:00", "18:00")]}, "среда: интервалы 09:00–13:00 и 12:00–18:00 пересекаются"),
        ({}, "нет ни одного рабочего интервала"),
    ],
)
def test_a_bad_schedule_is_refused_and_nothing_is_saved(muni, intervals, message):
    set_schedule(muni, {0: [("09:00", "18:00")]})
    with pytest.raises(ValidationError, match=message):
        set_schedule(muni, intervals, comment="плохой")
    assert list(WorkInterval.objects.values_list("weekday", "start", "end")) == [(0, dt.time(9), dt.time(18))]
    assert WorkSchedule.objects.get().comment == ""


def test_an_interval_ending_before_it_starts_fails_model_validation(muni):
    schedule = WorkSchedule.objects.create(municipality=muni)
    with pytest.raises(ValidationError, match="заканчивается не позже"):
        WorkInterval(schedule=schedule, weekday=0, start=dt.time(18), end=dt.time(9)).full_clean()


def test_an_unknown_timezone_is_refused(muni):
    muni.timezone = "Europe/Mordor"
    with pytest.raises(ValidationError, match="Неизвестный часовой пояс"):
        muni.full_clean()
    Municipality.objects.filter(pk=muni.pk).update(timezone="Europe/Mordor")  # bypassing validation
    muni.refresh_from_db()
    with pytest.raises(ValidationError, match="Неизвестный часовой пояс 'Europe/Mordor'"):
        calendar_for(muni)
