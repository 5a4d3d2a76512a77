"""The case list's page query, built once per caller and filters and then sent with the time and
the cursor's position as parameters (endpoints/cases.py): the pages are exactly those a query
built afresh for each call gives — every page of every filter, as time passes and roles change."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from otklik.api.endpoints import cases as endpoint
from otklik.cases import actions as A
from otklik.cases.models import Case
from otklik.directory.models import Membership, Role

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="kept only on PostgreSQL")

FILTERS: list[dict[str, Any]] = [
    {},
    {"order": "-created"},
    {"view": "overdue"},
    {"view": "route"},
    {"view": "all"},
    {"status": "assigned"},
    {"overdue": True},
    {"date_from": "2020-01-01", "date_to": "2100-01-01"},
    {"q": "яма"},
    {"topic": -9_101_101_101},  # a filter value equal to a marker is a value, not a slot
]


def _walk(api: Any, params: dict[str, Any]) -> list[list[int]]:
    pages, cursor = [], None
    for _ in range(50):
        r = api.get("/cases", {**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.content
        body = r.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if not cursor:
            return pages
    raise AssertionError("the cursor never ended")


def _fresh_each_call():
    """Every call builds its query anew (what the kept queries must equal)."""
    return mock.patch.object(endpoint, "_stored_page", side_effect=_unkept)


def _unkept(principal, f, now, cursor, steady):  # type: ignore[no-untyped-def]
    return endpoint._run(endpoint._compile(principal, f, now, cursor), f, steady)


@pytest.fixture(autouse=True)
def _nothing_kept():
    endpoint._KEPT.clear()
    yield
    endpoint._KEPT.clear()


@pytest.fixture
def many(cast, make_case):
    for i in range(7):
        case = make_case(f"Во дворе яма номер {i}")
        if i % 2:
            A.do_route_case(case, [cast.roads_org], lead=cast.roads_org, acting_user=cast.specialist)
    # Deadlines in the past and in the future, and none, so "overdue" and the cursor's NULLs matter.
    now = timezone.now()
    for n, case in enumerate(Case.objects.order_by("pk")):
        due = None if n % 3 == 0 else now + dt.timedelta(hours=n - 4)
        Case.objects.filter(pk=case.pk).update(next_due_at=due)


@pytest.mark.parametrize("who", ["specialist", "roads", "head"])
def test_kept_queries_give_the_pages_of_queries_built_each_time(cast, as_user, many, who):
    api = as_user(getattr(cast, who))
    for params in FILTERS:
        if params.get("view") and api.get("/cases", params).status_code == 400:
            continue  # a view this role does not have
        with _fresh_each_call():
            expected = _walk(api, params)
        assert _walk(api, params) == expected, params
        assert _walk(api, params) == expected, params  # now every page from a kept query


def test_a_query_is_built_once_per_caller_filters_and_kind_of_position(cast, as_user, many):
    api = as_user(cast.specialist)
    with mock.patch.object(endpoint, "_compile", wraps=endpoint._compile) as built:
        _walk(api, {})
        _walk(api, {})
    # Pages: the first (no cursor) and the later ones (a cursor with a deadline, and without
    # one at the end of the list, where cases have none): three shapes, two builds each.
    assert built.call_count == 2 * len({key[3] for key in endpoint._KEPT.keys()})
    assert built.call_count <= 6


def test_time_is_a_parameter_not_part_of_the_kept_query(cast, as_user, many):
    api = as_user(cast.specialist)
    before = {i for page in _walk(api, {"overdue": True}) for i in page}
    case = Case.objects.exclude(pk__in=before).filter(status="new").first()
    Case.objects.filter(pk=case.pk).update(next_due_at=timezone.now() + dt.timedelta(seconds=1))
    later = timezone.now() + dt.timedelta(seconds=5)
    with mock.patch("otklik.api.endpoints.cases.timezone.now", return_value=later):
        after = {i for page in _walk(api, {"overdue": True}) for i in page}
    assert case.pk in after and before <= after


def test_a_new_role_gets_its_own_query(cast, as_user, many):
    api = as_user(cast.roads)
    seen = {i for page in _walk(api, {}) for i in page}
    Membership.objects.create(user=cast.roads, municipality=cast.municipality, role=Role.SPECIALIST)
    cast.roads.__dict__.pop("_otklik_scope", None)
    now_seen = {i for page in _walk(api, {}) for i in page}
    assert seen < now_seen == set(Case.objects.exclude(status="feed").values_list("pk", flat=True))


def test_someone_who_sees_nothing_runs_no_page_query(cast, as_user):
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    nobody = get_user_model().objects.create_user("nobody")
    api = as_user(nobody)
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/cases").json() == {"items": [], "next_cursor": None}
        assert not [q for q in ctx.captured_queries if "cases_case" in q["sql"]]
