"""Issue 19 item 8: values out of range are refused with 400 and a Russian message, never 500."""

from __future__ import annotations

import base64
import json

import pytest

from otklik.api.tests.conftest import error_code

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [
    ("/cases", {"date_to": "9999-12-31"}),
    ("/cases", {"date_from": "9999-12-31"}),
    ("/cases", {"date_from": "0001-01-01"}),
    ("/municipalities/georgievsk/dashboard", {"start": "9999-12-01", "end": "9999-12-31"}),
    ("/municipalities/georgievsk/dashboard", {"start": "0001-01-01", "end": "0001-01-02"}),
    ("/export/cases", {"municipality": "georgievsk", "date_from": "9999-12-30", "date_to": "9999-12-31"}),
    ("/municipalities/georgievsk/reports/violations/9999-12", {}),
    ("/municipalities/georgievsk/reports/violations/2026-13", {}),
    ("/calendar/add", {"start": "2099-12-31T10:00:00+03:00", "duration": "99999d"}),
    ("/calendar/add", {"start": "2025-01-01T10:00:00+03:00", "duration": "99999d"}),
    ("/calendar/add", {"start": "2099-12-31T17:00:00+03:00", "duration": "99999h"}),
    ("/calendar/between", {"start": "1999-12-31T10:00:00+03:00", "end": "2025-01-01T10:00:00+03:00"}),
]


@pytest.mark.parametrize("path,params", OUT_OF_RANGE)
def test_it_refuses_values_out_of_range(cast, as_user, path, params):
    r = as_user(cast.coordinator).get(path, params)
    assert r.status_code == 400, r.content
    message = r.json()["error"]["message"]
    assert any("а" <= ch <= "я" for ch in message.lower()), message


def _cursor(values):  # type: ignore[no-untyped-def]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values", [{"id": True}, {"id": 10**30}, {"id": -1}, {"id": 1, "d": "9999-12-31T23:59:59+00:00"}]
)
def test_it_refuses_a_cursor_out_of_range(cast, as_user, values):
    r = as_user(cast.specialist).get("/cases", {"cursor": _cursor(values)})
    assert r.status_code == 400 and error_code(r) == "invalid_cursor"


def test_dates_inside_the_range_still_work(cast, as_user):
    r = as_user(cast.coordinator).get("/cases", {"date_from": "2000-01-01", "date_to": "2099-12-31"})
    assert r.status_code == 200
