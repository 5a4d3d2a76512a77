"""PostgreSQL renders the case list and the detail's collections itself (otklik/api/pgjson.py);
the Python rendering (serialize.py: SQLite, and every action's answer) is the reference.
These tests hold the two equal, value for value, on cases in every state of the regulation."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from otklik.api import pgjson
from otklik.api.serialize import labels_json, reference_rows
from otklik.cases import actions as A
from otklik.cases.access import visible_cases
from otklik.cases.models import Case, CaseEvent, Deadline

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own rendering")

_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _norm(value: Any, ms: bool = False) -> Any:
    """Timestamps compared as instants (the two renderings may write them differently); ``ms``:
    to the millisecond, for answers that went through ninja's encoder (which cuts to ms)."""
    if isinstance(value, dict):
        return {k: _norm(v, ms) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v, ms) for v in value]
    if isinstance(value, str) and _TS.match(value):
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return instant.replace(microsecond=instant.microsecond // 1000 * 1000) if ms else instant
    return value


def _lifecycle(cast: Any, as_user: Any, make_case: Any) -> dict[str, Any]:
    """Cases in many states, each with what its state brings: co-executors and their info, drafts
    returned and approved, publications, deadlines closed, breached, cancelled; and the answers
    the actions gave (rendered in Python) after every step, per case."""
    specialist, roads, water = as_user(cast.specialist), as_user(cast.roads), as_user(cast.water)
    answers: dict[str, Any] = {}

    lone = make_case('Нет света во дворе «Ленина, 5» <script>alert(1)</script> \\ " \u2028 😀')
    answers["new"] = (specialist, _detail(specialist, lone.pk))

    case = make_case("Во дворе яма и течёт вода из колодца")
    r = specialist.post(
        f"/cases/{case.pk}/route", {"organizations": [cast.roads_org.pk, cast.water_org.pk], "lead": cast.roads_org.pk}
    )
    answers["routed"] = (specialist, r.json())
    co_id = next(a["id"] for a in r.json()["assignments"] if a["organization_id"] == cast.water_org.pk)
    answers["info"] = (water, water.post(f"/assignments/{co_id}/info", {"text": "Колодец — до 1 декабря."}).json())
    answers["info_ok"] = (specialist, specialist.post(f"/assignments/{co_id}/info/approve").json())
    r = roads.post(f"/cases/{case.pk}/drafts", {"text": "Яму заделаем.", "kind": "intermediate"})
    answers["review"] = (roads, r.json())
    answers["returned"] = (
        specialist,
        specialist.post(f"/drafts/{r.json()['drafts'][-1]['id']}/return", {"remarks": "Срок?"}).json(),
    )
    r = roads.post(f"/cases/{case.pk}/drafts", {"text": "Яму заделаем до 5 декабря.", "kind": "intermediate"})
    answers["approved"] = (specialist, specialist.post(f"/drafts/{r.json()['drafts'][-1]['id']}/approve").json())
    answers["intermediate"] = (
        roads,
        roads.post(f"/cases/{case.pk}/publish", {"external_url": "https://vk.com/wall-100001_777?reply=1"}).json(),
    )

    other = make_case("Мусор не вывозят")
    answers["excluded"] = (
        specialist,
        specialist.post(f"/cases/{other.pk}/exclude", {"reason_code": "insult", "comment": "Оскорбления"}).json(),
    )
    return answers


def _detail(client: Any, case_id: int) -> Any:
    r = client.get(f"/cases/{case_id}")
    assert r.status_code == 200, r.content
    return r.json()


def test_the_detail_rendered_by_postgresql_equals_the_actions_answers(cast, as_user, make_case):
    answers = _lifecycle(cast, as_user, make_case)
    # Each action answered with the case as its actor then saw it; the last answer of each case is
    # still true, so GET by the same person must give the same, value for value.
    latest = {answer["id"]: step for step, (_, answer) in answers.items()}
    assert len(latest) == 3
    for step in latest.values():
        client, answer = answers[step]
        assert _norm(_detail(client, answer["id"]), ms=True) == _norm(answer, ms=True), step


def test_the_detail_matches_for_every_kind_of_deadline_and_event(cast, as_user, make_case):
    from otklik.api.serialize import case_detail

    answers = _lifecycle(cast, as_user, make_case)
    case_id = answers["intermediate"][1]["id"]
    now = timezone.now()
    # Every branch of Deadline.is_violation, written by hand into the rows.
    states = itertools.cycle(
        [
            {"closed_at": now, "due_at": now - dt.timedelta(hours=1), "outcome": "done"},  # late
            {"closed_at": now - dt.timedelta(hours=2), "due_at": now, "outcome": "done"},  # on time
            {"closed_at": now, "due_at": now - dt.timedelta(hours=1), "outcome": Deadline.Outcome.CANCELLED},
            {"closed_at": now, "due_at": now - dt.timedelta(hours=1), "outcome": Deadline.Outcome.LAPSED},
            {"closed_at": None, "breached_at": now, "outcome": ""},  # open, breached
            {"closed_at": None, "breached_at": None, "outcome": ""},  # open
        ]
    )
    deadlines = list(Deadline.objects.filter(case_id=case_id).order_by("pk"))
    while len(deadlines) < 6:
        copy = Deadline.objects.get(pk=deadlines[0].pk)
        copy.pk = None
        copy.save()
        deadlines.append(copy)
    for deadline, state in zip(deadlines, states, strict=False):
        Deadline.objects.filter(pk=deadline.pk).update(**state)
    violations = {d.pk: d.is_violation for d in Deadline.objects.filter(case_id=case_id)}
    assert set(violations.values()) == {True, False}
    # Event data of every JSON kind: an object stays, anything else is wrapped in {"value": …}.
    for data in ({"a": [1, 2.5, None]}, [1, "два"], "текст", 7):
        CaseEvent.objects.create(case_id=case_id, kind="note", data=data, created_at=timezone.now())

    specialist = as_user(cast.specialist)
    got = _detail(specialist, case_id)
    assert {d["id"]: d["is_violation"] for d in got["deadlines"]} == violations
    assert [e["data"] for e in got["events"][-4:]] == [
        {"a": [1, 2.5, None]},
        {"value": [1, "два"]},
        {"value": "текст"},
        {"value": 7},
    ]
    reference = json.loads(json.dumps(case_detail(case_id, specialist_principal(cast.specialist)), default=str))
    assert _norm(got) == _norm(_reparse(reference))


def specialist_principal(user: Any) -> Any:
    from otklik.api.auth import Principal

    return Principal(user=user)


def _reparse(value: Any) -> Any:
    """``json.dumps(default=str)`` writes datetimes as "2026-11-29 10:00:00+00:00": make them ISO."""
    if isinstance(value, dict):
        return {k: _reparse(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reparse(v) for v in value]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
        return value.replace(" ", "T", 1)
    return value


@pytest.mark.parametrize("who", ["specialist", "roads", "water", "head", "housing"])
@pytest.mark.parametrize("order", ["deadline", "-created"])
def test_the_list_rendered_by_postgresql_equals_the_python_rows(cast, as_user, make_case, who, order):
    _lifecycle(cast, as_user, make_case)
    for text in ("Яма", "Нет воды", "Вода в подвале"):
        A.do_route_case(
            make_case(text), [cast.water_org, cast.roads_org], lead=cast.water_org, acting_user=cast.specialist
        )
    user = getattr(cast, who)
    cases = visible_cases(user).exclude(status="feed")
    if order == "deadline":
        cases = cases.order_by(F("next_due_at").asc(nulls_last=True), "-pk")
    else:
        cases = cases.order_by("-pk")
    limit = 3  # the cases of the scenario fill more than one page of 3
    query = pgjson.page_query(cases.values_list("pk", "next_due_at")[: limit + 1])
    page = pgjson.list_page_sql(*query, order, labels_json(), limit)
    rendered = json.loads(b"[" + page.items + b"]")
    reference = reference_rows(cases, "next_due_at", limit + 1)
    assert [r["id"] for r in rendered] == [r[0] for r in reference[:limit]]
    assert page.found == len(reference)
    if len(reference) >= limit:
        due = dt.datetime.fromisoformat(page.last_due) if page.last_due else None
        assert (page.last_id, due) == reference[limit - 1][:2]
    else:
        assert (page.last_id, page.last_due) == (None, None)
    reference = reference[:limit]
    assert [_norm(r) for r in rendered] == [_norm(json.loads(r[2])) for r in reference]
    if who in ("specialist", "roads"):
        assert len(rendered) >= 3


@pytest.mark.parametrize("who", ["specialist", "roads"])
def test_the_list_through_the_api_has_the_same_rows_as_the_detail(cast, as_user, make_case, who):
    """Every field of a list row is the detail's, for each case (text cut to 500 in the list);
    for an executor the list is read through the organization's copy of the deadlines."""
    _lifecycle(cast, as_user, make_case)
    make_case("Д" * 2000)
    reader = as_user(getattr(cast, who))
    items = reader.get("/cases", {"limit": 200}).json()["items"]
    assert len(items) >= (4 if who == "specialist" else 1)
    for item in items:
        detail = _detail(reader, item["id"])
        assert item["text"] == detail["text"][:500]
        assert _norm({k: detail[k] for k in item if k != "text"}) == _norm(
            {k: v for k, v in item.items() if k != "text"}
        )


def test_a_list_of_nothing_runs_no_page_query(cast, as_user, make_case):
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    make_case()
    outsider = as_user(get_user_model().objects.create_user("nobody", password="x" * 12))
    with CaptureQueriesContext(connection) as ctx:
        r = outsider.get("/cases")
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}
    assert all("json_build_object" not in q["sql"] for q in ctx.captured_queries)


def test_case_still_loads_after_the_statements_were_prepared(cast, as_user, make_case):
    """Prepared statements (DB_PREPARE_THRESHOLD) serve repeated calls with new parameters."""
    specialist = as_user(cast.specialist)
    cases = [make_case(f"Обращение {i}") for i in range(5)]
    for case in cases * 2:
        assert _detail(specialist, case.pk)["id"] == case.pk
    for _ in range(4):
        assert {c["id"] for c in specialist.get("/cases").json()["items"]} >= {c.pk for c in cases}
    assert Case.objects.count() == 5


def test_hot_reads_are_prepared_with_generic_plans(cast, as_user, make_case):
    specialist = as_user(cast.specialist)
    case = make_case()
    for _ in range(3):
        assert _detail(specialist, case.pk)["id"] == case.pk
        assert specialist.get("/cases").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    assert any("api_caselistrow" in s and "string_agg" in s for s, _, _ in prepared)  # the list page
    assert any("'thread'" in s for s, _, _ in prepared)  # the detail's collections
    assert all(custom == 0 for _, _, custom in prepared)  # planned once, not per call
    # A searched page is planned for its own values every time: never prepared.
    specialist.get("/cases", {"q": "яма"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement ILIKE '%%like%%'")
        assert cursor.fetchone()[0] == 0


def test_everything_reads_the_same_without_prepared_statements(cast, as_user, make_case):
    """DB_PREPARED_STATEMENTS=0 (a pooler in transaction mode): the same answers, unprepared."""
    specialist = as_user(cast.specialist)
    case = make_case()
    before = (_detail(specialist, case.pk), specialist.get("/cases").json())
    connection.ensure_connection()
    saved = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = None
    try:
        connection.connection._prepared.clear()  # forget, and deallocate on the server at the next query
        after = (_detail(specialist, case.pk), specialist.get("/cases").json())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone()[0] == 0
    finally:
        connection.connection.prepare_threshold = saved
    assert _norm(after) == _norm(before)
