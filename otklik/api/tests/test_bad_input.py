"""Malformed JSON, wrong types, unknown fields, huge bodies: clear errors, nothing changed."""

import pytest
from django.test import override_settings

from otklik.api.tests.conftest import error_code
from otklik.cases.models import Assignment, Case, CaseEvent


@pytest.fixture
def fresh(make_case):
    return make_case()


def _unchanged(case):
    before = (case.status, case.version)
    case.refresh_from_db()
    return (case.status, case.version) == before and not Assignment.objects.filter(case=case).exists()


def test_malformed_json(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/route", raw='{"organizations": [1,')
    assert r.status_code == 400
    assert error_code(r) == "malformed_json"
    assert _unchanged(fresh)


def test_wrong_types(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/route", {"organizations": "roads"})
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "invalid_input"
    assert body["details"][0]["field"] == "organizations"
    assert _unchanged(fresh)


def test_unknown_fields_are_refused(cast, as_user, fresh):
    r = as_user(cast.specialist).post(
        f"/cases/{fresh.pk}/route", {"organizations": [cast.roads_org.pk], "leed": cast.roads_org.pk}
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"][0]["message"] == "Неизвестное поле."
    assert _unchanged(fresh)


def test_empty_reason_is_refused(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/dismiss", {"reason": ""})
    assert r.status_code == 400
    assert _unchanged(fresh)


def test_blank_reason_is_refused_by_the_action(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/dismiss", {"reason": "   "})
    assert r.status_code == 400
    assert error_code(r) == "validation_failed"
    assert _unchanged(fresh)


@override_settings(OTKLIK_API_MAX_BODY=10_000)
def test_huge_body_is_refused_before_reading(cast, as_user, fresh):
    events = CaseEvent.objects.count()
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/dismiss", {"reason": "x" * 20_000})
    assert r.status_code == 413
    assert error_code(r) == "body_too_large"
    assert r["X-Request-ID"]
    assert _unchanged(fresh) and CaseEvent.objects.count() == events


def test_foreign_organization_is_a_validation_error(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/route", {"organizations": [cast.other_org.pk]})
    assert r.status_code == 400
    assert _unchanged(fresh)


def test_missing_organization_is_a_validation_error(cast, as_user, fresh):
    r = as_user(cast.specialist).post(f"/cases/{fresh.pk}/route", {"organizations": [999999]})
    assert r.status_code == 400
    assert _unchanged(fresh)


def test_stale_version_is_409_case_changed(cast, as_user, fresh):
    r = as_user(cast.specialist).post(
        f"/cases/{fresh.pk}/route", {"organizations": [cast.roads_org.pk], "expected_version": fresh.version + 5}
    )
    assert r.status_code == 409
    assert error_code(r) == "case_changed"
    assert _unchanged(fresh)


def test_bad_cursor(cast, as_user):
    r = as_user(cast.specialist).get("/cases", {"cursor": "%%%"})
    assert r.status_code == 400
    assert error_code(r) == "invalid_cursor"


def test_wrong_query_type(cast, as_user):
    r = as_user(cast.specialist).get("/cases", {"limit": "many"})
    assert r.status_code == 400
    assert error_code(r) == "invalid_input"


def test_case_count_unchanged_after_all_that(cast, as_user, fresh):
    api = as_user(cast.specialist)
    api.post("/push/messages", raw="not json")
    api.post(f"/cases/{fresh.pk}/drafts", {"text": 5})
    assert Case.objects.count() == 1
