"""The API's case list and the inbox page show the same cases in the same order, for every role,
view and filter (both page through otklik/cases/queries.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from otklik.cases import actions as A
from otklik.cases.models import Case
from otklik.cases.queries import views_for
from otklik.cases.tests.helpers import Clock, msk

ROLES = ["specialist", "roads", "water", "head", "observer", "coordinator"]
FILTERS: list[dict[str, Any]] = [
    {},
    {"status": "assigned"},
    {"q": "ВОДА"},
    {"q": "ленина 5"},
    {"overdue": "true", "network": "vk"},
    {"significant": "true", "date_from": "2025-03-03", "date_to": "2025-03-03"},
]


@pytest.fixture
def cases(cast, make_case):  # type: ignore[no-untyped-def]
    with Clock(msk(2025, 3, 3, 10, 0)) as clock:
        texts = ["Яма на Ленина, 5", "Нет воды", "Вода в подвале", "Свет", "ул. Ленина д. 5 — мусор", "Дорога"]
        made = [make_case(t) for t in texts]
        for i, case in enumerate(made[:4]):
            orgs = [cast.roads_org] if i % 2 == 0 else [cast.water_org, cast.roads_org]
            A.do_route_case(case, orgs, lead=orgs[0] if len(orgs) > 1 else None, acting_user=cast.specialist)
        A.do_flag_significant(Case.objects.get(pk=made[1].pk), reason="Значимо", acting_user=cast.specialist)
        # Equal deadlines (the tie-break decides) and an overdue case.
        clock.advance(hours=3)
        yield made


def _api_walk(api: Any, params: dict[str, Any]) -> list[int]:
    seen, cursor = [], None
    while True:
        r = api.get("/cases", {**params, "limit": 3, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.content
        seen += [c["id"] for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return seen


def _page_walk(client: Client, params: dict[str, Any], monkeypatch: Any) -> list[int]:
    from otklik.cases import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    seen, after = [], ""
    while True:
        r = client.get("/inbox/", {**params, **({"after": after} if after else {})})
        assert r.status_code == 200
        seen += [c.pk for c in r.context["cases"]]
        after = r.context["next_cursor"]
        if not after:
            return seen


@pytest.mark.parametrize("who", ROLES)
def test_it_lists_the_same_cases_in_the_same_order_on_the_page_and_in_the_api(cast, as_user, cases, monkeypatch, who):  # type: ignore[no-untyped-def]
    user = getattr(cast, who)
    api = as_user(user)
    client = Client()
    client.force_login(user)
    with Clock(msk(2025, 3, 3, 13, 0)):
        for view in [v.key for v in views_for(user)]:
            for params in FILTERS:
                both = {"view": view, **params}
                assert _api_walk(api, both) == _page_walk(client, both, monkeypatch), both
