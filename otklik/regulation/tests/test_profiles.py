import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from otklik.directory.models import Municipality
from otklik.regulation.models import RegulationProfile, StageLimit
from otklik.regulation.services import activate_profile, active_profile, compute_deadline, create_default_profile
from otklik.regulation.stages import DEFAULT_LIMITS, Stage

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


@pytest.fixture
def muni():
    return Municipality.objects.create(name="Георгиевский городской округ", slug="georgievsk")


def msk(*args):
    return dt.datetime(*args, tzinfo=MSK)


def test_it_creates_the_georgievsk_profile_on_demand(muni):
    profile = active_profile(muni)
    assert profile.is_active and "№ 132" in profile.name
    limits = set(profile.limits.values_list("stage", "limit_value", "limit_unit", "point", "warn_percent"))
    assert (Stage.ROUTE, 60, "working_minutes", "9.2", 75) in limits
    assert (Stage.PUBLISH_TOTAL, 240, "working_minutes", "16", 75) in limits
    assert (Stage.FINAL_AFTER_INTERMEDIATE, 7, "working_days", "15", 75) in limits
    assert {row[0] for row in limits} == set(Stage.values) == set(DEFAULT_LIMITS)
    assert active_profile(muni) == profile  # not created twice


def test_stage_codes_match_the_design():
    assert Stage.values == [
        "route", "return_window", "draft", "review", "revise", "publish_total",
        "final_after_intermediate", "coexec_info", "coexec_review", "coexec_revise",
    ]  # fmt: skip


def test_only_one_profile_is_active_per_municipality(muni):
    active_profile(muni)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegulationProfile.objects.create(municipality=muni, name="Второй", is_active=True)


def test_activating_a_profile_deactivates_the_other(muni):
    first = active_profile(muni)
    second = create_default_profile(muni)
    activate_profile(second)
    assert active_profile(muni) == second
    first.refresh_from_db()
    assert not first.is_active


def test_it_computes_due_and_warning_in_working_minutes(muni):
    spec = compute_deadline(muni, Stage.ROUTE, msk(2025, 3, 3, 12, 30))
    assert (spec.stage, spec.point, spec.limit_value, spec.limit_unit) == ("route", "9.2", 60, "working_minutes")
    assert spec.due_at == msk(2025, 3, 3, 14, 30)  # over the lunch break
    assert spec.warn_at == msk(2025, 3, 3, 14, 15)  # 45 working minutes


def test_it_computes_working_day_deadlines(muni):
    spec = compute_deadline(muni, Stage.FINAL_AFTER_INTERMEDIATE, msk(2025, 5, 7, 11, 0))
    assert spec.due_at == msk(2025, 5, 20, 18, 0)
    # 75% of the 7 counted days (56 working hours from May 12, 09:00) = 42 h -> May 19, 11:00
    assert spec.warn_at == msk(2025, 5, 19, 11, 0)


def test_it_computes_calendar_minute_deadlines(muni):
    StageLimit.objects.filter(profile=active_profile(muni), stage=Stage.REVIEW).update(
        limit_unit="calendar_minutes", warn_percent=50
    )
    spec = compute_deadline(muni, Stage.REVIEW, msk(2025, 3, 8, 23, 50))
    assert spec.due_at == msk(2025, 3, 9, 0, 20)
    assert spec.warn_at == msk(2025, 3, 9, 0, 5)


def test_changing_a_profile_applies_to_new_deadlines_only(muni):
    started = msk(2025, 3, 3, 10, 0)
    running = compute_deadline(muni, Stage.DRAFT, started)  # the workflow stores running.due_at
    StageLimit.objects.filter(profile=active_profile(muni), stage=Stage.DRAFT).update(limit_value=120)
    assert running.due_at == msk(2025, 3, 3, 11, 0)
    assert compute_deadline(muni, Stage.DRAFT, started).due_at == msk(2025, 3, 3, 12, 0)


def test_a_stage_missing_from_the_profile_uses_the_default(muni):
    active_profile(muni).limits.filter(stage=Stage.REVISE).delete()
    assert compute_deadline(muni, Stage.REVISE, msk(2025, 3, 3, 10, 0)).due_at == msk(2025, 3, 3, 10, 30)


def test_an_unknown_stage_is_an_error(muni):
    with pytest.raises(ValueError, match="Неизвестный этап"):
        compute_deadline(muni, "coffee_break", msk(2025, 3, 3, 10, 0))
