import pytest

from otklik.api.tests.conftest import error_code


def test_municipalities_are_those_of_the_callers_roles(cast, as_user):
    assert [m["slug"] for m in as_user(cast.roads).get("/municipalities").json()] == ["georgievsk"]
    assert len(as_user(cast.observer).get("/municipalities").json()) == 2
    assert as_user(cast.outsider).get("/municipalities").json() == []


def test_organizations(cast, as_user):
    orgs = as_user(cast.roads).get("/municipalities/georgievsk/organizations").json()
    by_name = {o["short_name"]: o for o in orgs}
    assert by_name["Водоканал"]["parent_id"] == cast.housing_org.pk


@pytest.mark.parametrize("who", ["stranger", "outsider"])
def test_another_municipality_is_not_visible(cast, as_user, who):
    r = as_user(getattr(cast, who)).get("/municipalities/georgievsk/organizations")
    assert r.status_code == 404
    assert error_code(r) == "not_found"


def test_accounts_never_show_credentials(cast, as_user):
    cast.vk_account.set_credentials({"access_token": "vk1.secret"})
    cast.vk_account.save()
    r = as_user(cast.specialist).get("/municipalities/georgievsk/accounts")
    assert r.json()[0]["url"] == "https://vk.com/georgievsk_adm"
    assert "secret" not in r.content.decode()


def test_profile_lists_stage_limits(cast, as_user):
    profile = as_user(cast.head).get("/municipalities/georgievsk/profile").json()
    stages = {s["stage"]: (s["value"], s["unit"]) for s in profile["stages"]}
    assert stages["route"] == (60, "working_minutes")
    assert stages["final_after_intermediate"] == (7, "working_days")


def test_calendar_add_over_a_weekend(cast, as_user):
    r = as_user(cast.roads).get(
        "/calendar/add", {"start": "2026-11-27T17:30:00+03:00", "duration": "1h", "municipality": "georgievsk"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["result"].startswith("2026-11-30T09:30:00")


def test_calendar_between(cast, as_user):
    r = as_user(cast.roads).get(
        "/calendar/between", {"start": "2026-11-27T17:30:00+03:00", "end": "2026-11-30T09:30:00+03:00"}
    )
    assert r.json()["working_seconds"] == 3600


def test_calendar_bad_duration(cast, as_user):
    r = as_user(cast.roads).get("/calendar/add", {"start": "2026-11-27T17:30:00+03:00", "duration": "soon"})
    assert r.status_code == 400
    assert error_code(r) == "validation_failed"


def test_calendar_needs_a_timezone(cast, as_user):
    r = as_user(cast.roads).get("/calendar/add", {"start": "2026-11-27T17:30:00", "duration": "1h"})
    assert r.status_code == 400
    assert error_code(r) == "invalid_input"


def test_calendar_of_a_foreign_municipality_is_404(cast, as_user):
    r = as_user(cast.roads).get(
        "/calendar/add", {"start": "2026-11-27T17:30:00+03:00", "duration": "1h", "municipality": "minvody"}
    )
    assert r.status_code == 404
