"""Case list and detail: visibility per role, filters, cursor pagination, service tokens."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.api.tests.conftest import error_code
from otklik.cases import actions as A


@pytest.fixture
def routed(cast, make_case):
    case = make_case("Яма на Ленина")
    return A.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)


def _ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["items"]]


def test_specialist_sees_the_municipality(cast, as_user, routed, make_case):
    other = make_case("Нет отопления")
    assert set(_ids(as_user(cast.specialist).get("/cases"))) == {routed.pk, other.pk}


def test_executor_sees_only_its_organizations_cases(cast, as_user, routed, make_case):
    make_case("Нет отопления")
    assert _ids(as_user(cast.roads).get("/cases")) == [routed.pk]
    assert _ids(as_user(cast.housing).get("/cases")) == []


@pytest.mark.parametrize("who", ["head", "observer", "coordinator"])
def test_readers_see_the_municipality(cast, as_user, routed, who):
    assert _ids(as_user(getattr(cast, who)).get("/cases")) == [routed.pk]


@pytest.mark.parametrize("who", ["stranger", "outsider"])
def test_another_organization_sees_nothing(cast, as_user, routed, who):
    api = as_user(getattr(cast, who))
    assert _ids(api.get("/cases")) == []
    r = api.get(f"/cases/{routed.pk}")
    assert r.status_code == 404
    assert error_code(r) == "not_found"


def test_detail_has_everything(cast, as_user, routed):
    case = as_user(cast.roads).get(f"/cases/{routed.pk}").json()
    assert case["message"]["text"] == "Яма на Ленина"
    assert case["assignments_full"][0]["organization"] == "Дороги"
    assert {d["stage"] for d in case["deadlines"]} >= {"route", "draft", "publish_total", "return_window"}
    assert [e["kind"] for e in case["events"]][:2] == ["case_created", "case_routed"]
    assert set(case["allowed_actions"]) == {"return_assignment", "submit_draft"}


def test_detail_of_a_missing_case_is_404(cast, as_user):
    assert as_user(cast.specialist).get("/cases/999999").status_code == 404


def test_filters(cast, as_user, routed, make_case):
    other = make_case("Нет отопления")
    api = as_user(cast.specialist)
    assert _ids(api.get("/cases", {"status": "assigned"})) == [routed.pk]
    assert _ids(api.get("/cases", {"organization": cast.roads_org.pk})) == [routed.pk]
    assert _ids(api.get("/cases", {"q": "отоплен"})) == [other.pk]
    assert _ids(api.get("/cases", {"significant": "true"})) == []
    assert _ids(api.get("/cases", {"municipality": "minvody"})) == []
    assert set(_ids(api.get("/cases", {"network": "vk"}))) == {routed.pk, other.pk}


def test_feed_is_listed_only_on_request(cast, as_user, make_case):
    feed = make_case(detected=False)
    api = as_user(cast.specialist)
    assert _ids(api.get("/cases")) == []
    assert _ids(api.get("/cases", {"status": "feed"})) == [feed.pk]


@pytest.mark.parametrize("order", ["deadline", "-created"])
def test_cursor_pagination_walks_every_case_once(cast, as_user, make_case, order):
    made = {make_case(f"Сообщение {i}").pk for i in range(7)}
    A.do_route_case(A.Case.objects.get(pk=min(made)), [cast.roads_org], acting_user=cast.specialist)
    api = as_user(cast.specialist)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "order": order}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/cases", params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)


def test_list_query_count_does_not_grow_with_cases(cast, as_user, make_case):
    api = as_user(cast.specialist)
    make_case()
    api.get("/cases")  # warm the token's last_used write
    with CaptureQueriesContext(connection) as few:
        api.get("/cases")
    for i in range(5):
        A.do_route_case(make_case(f"ещё {i}"), [cast.roads_org], acting_user=cast.specialist)
    with CaptureQueriesContext(connection) as many:
        api.get("/cases")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_service_token_reads_its_municipality_only(cast, as_service, routed, make_case):
    foreign = make_case(municipality=cast.other_municipality)
    api = as_service("read")
    assert _ids(api.get("/cases")) == [routed.pk]
    assert api.get(f"/cases/{routed.pk}").json()["allowed_actions"] == []
    assert api.get(f"/cases/{foreign.pk}").status_code == 404


def test_service_token_without_read_is_forbidden(cast, as_service, routed):
    r = as_service("push").get("/cases")
    assert r.status_code == 403
    assert error_code(r) == "forbidden"


def test_inbox_views_per_role(cast, as_user, routed, make_case):
    fresh = make_case("Новое")
    assert _ids(as_user(cast.specialist).get("/cases", {"view": "route"})) == [fresh.pk]
    assert _ids(as_user(cast.roads).get("/cases", {"view": "assigned"})) == [routed.pk]
    r = as_user(cast.roads).get("/cases", {"view": "route"})
    assert r.status_code == 400
    assert error_code(r) == "validation_failed"


def test_list_and_detail_match_their_response_schemas(cast, as_user, routed):
    from otklik.api.schemas import CaseDetail, CasePage

    api = as_user(cast.roads)
    CasePage.model_validate(api.get("/cases").json())
    CaseDetail.model_validate(api.get(f"/cases/{routed.pk}").json())


@pytest.mark.parametrize("params", [{}, {"status": "assigned"}, {"q": "вода"}, {"view": "all"}])
def test_one_organizations_list_walks_the_same_cases_in_the_same_order_as_everyone_elses(
    cast, as_user, make_case, params
):
    """An executor of one organization is listed from CaseOrganization (deadline order from one
    index); the result must equal visible_cases filtered and ordered the general way."""
    from django.db.models import F

    from otklik.cases.access import single_organization, visible_cases
    from otklik.cases.queries import search

    texts = ["Яма", "Нет воды", "Вода в подвале", "Свет", "Вода ржавая", "Мусор", "Дорога"]
    cases = [make_case(t) for t in texts]
    for i, case in enumerate(cases[:6]):
        orgs = [cast.roads_org] if i % 2 == 0 else [cast.water_org, cast.roads_org]
        A.do_route_case(case, orgs, lead=orgs[0] if len(orgs) > 1 else None, acting_user=cast.specialist)
    A.do_route_case(A.Case.objects.get(pk=cases[2].pk), [cast.housing_org], acting_user=cast.specialist)
    assert single_organization(cast.roads) == cast.roads_org.pk

    api = as_user(cast.roads)
    seen, cursor = [], None
    while True:
        page = api.get("/cases", {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = visible_cases(cast.roads).exclude(status="feed")
    if params.get("status"):
        expected = expected.filter(status=params["status"])
    if params.get("q"):
        expected = search(expected, params["q"])
    expected_ids = list(expected.order_by(F("next_due_at").asc(nulls_last=True), "-pk").values_list("pk", flat=True))
    assert seen == expected_ids
    assert len(expected_ids) >= 2 or params
