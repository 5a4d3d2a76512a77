"""Dashboard figures and the §23 report through the API: who may read them, and the formats."""

import io

import pytest

from otklik.api.tests.conftest import error_code
from otklik.cases import actions as A


@pytest.fixture
def activity(cast, make_case):
    A.do_route_case(make_case(), [cast.roads_org], acting_user=cast.specialist)
    make_case("Ещё одно")


@pytest.mark.parametrize("who", ["coordinator", "head", "observer"])
def test_dashboard_for_readers_of_reports(cast, as_user, activity, who):
    r = as_user(getattr(cast, who)).get("/municipalities/georgievsk/dashboard")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["period"]["received"] == 2
    assert data["period"]["routed"] == 1


def test_dashboard_is_forbidden_to_an_executor(cast, as_user, activity):
    r = as_user(cast.roads).get("/municipalities/georgievsk/dashboard")
    assert r.status_code == 403
    assert error_code(r) == "forbidden"


def test_dashboard_of_another_municipality_is_not_visible(cast, as_user):
    assert as_user(cast.stranger).get("/municipalities/georgievsk/dashboard").status_code == 404


def test_dashboard_for_a_service_token_needs_export(cast, as_service, activity):
    assert as_service("export").get("/municipalities/georgievsk/dashboard").status_code == 200
    assert as_service("read").get("/municipalities/georgievsk/dashboard").status_code == 403


def test_dashboard_period_is_checked(cast, as_user):
    r = as_user(cast.head).get("/municipalities/georgievsk/dashboard", {"start": "2026-11-20", "end": "2026-11-01"})
    assert r.status_code == 400


def test_violations_report_json(cast, as_user, activity):
    r = as_user(cast.head).get("/municipalities/georgievsk/reports/violations/2026-10")
    assert r.status_code == 200, r.content
    report = r.json()
    assert report["year"] == 2026 and report["month"] == 10
    assert report["rows"] == [] and report["archived"] is False


def test_violations_report_xlsx(cast, as_user, activity):
    from openpyxl import load_workbook

    r = as_user(cast.coordinator).get("/municipalities/georgievsk/reports/violations/2026-11", {"format": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    load_workbook(io.BytesIO(r.content))


def test_violations_report_pdf_is_made_by_the_worker(cast, as_user, activity, django_capture_on_commit_callbacks):
    client = as_user(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once the request commits
        r = client.get("/municipalities/georgievsk/reports/violations/2026-11", {"format": "pdf"})
    assert r.status_code == 202
    doc = r.json()
    assert (
        doc["state"] == "queued"
        and doc["url"] == f"/api/v1/municipalities/georgievsk/reports/documents/{doc['document']}"
    )
    r = client.get(f"/municipalities/georgievsk/reports/documents/{doc['document']}")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")


def test_a_report_document_of_another_municipality_is_not_found(cast, as_user, activity):
    r = as_user(cast.coordinator).get("/municipalities/georgievsk/reports/violations/2026-11", {"format": "pdf"})
    assert as_user(cast.coordinator).get("/municipalities/georgievsk/reports/documents/999999").status_code == 404
    assert (
        as_user(cast.roads).get(f"/municipalities/georgievsk/reports/documents/{r.json()['document']}").status_code
        == 403
    )


@pytest.mark.parametrize("month", ["2026-13", "26-01", "latest"])
def test_violations_report_month_is_checked(cast, as_user, month):
    r = as_user(cast.head).get(f"/municipalities/georgievsk/reports/violations/{month}")
    assert r.status_code == 400
    assert error_code(r) == "validation_failed"


def test_violations_report_is_forbidden_to_an_executor(cast, as_user):
    assert as_user(cast.roads).get("/municipalities/georgievsk/reports/violations/2026-10").status_code == 403
