"""Issue 19 item 7: a NUL character anywhere in a field or the query is refused with 400
(PostgreSQL cannot store it) and nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.api.models import ApiToken
from otklik.api.tests.conftest import error_code
from otklik.cases import actions as A
from otklik.cases.models import Case, Draft, Post

NUL = "\u0000"


def test_it_refuses_nul_in_a_pushed_message(cast, as_service):
    message = {
        "network": "vk",
        "source_key": "wall-1_1",
        "text": f"яма{NUL}",
        "published_at": "2025-03-03T10:00:00+03:00",
    }
    for body in (message, {**message, "text": "яма", "raw": {"k": [f"a{NUL}"]}}):
        r = as_service("push").post("/push/messages", {"messages": [body]})
        assert r.status_code == 400, r.content
        assert "NUL" in r.content.decode()
    assert not Post.objects.exists()


def test_it_refuses_nul_in_a_draft_and_a_reason(cast, as_user, make_case):
    case = A.do_route_case(make_case(), [cast.roads_org], acting_user=cast.specialist)
    r = as_user(cast.roads).post(f"/cases/{case.pk}/drafts", {"text": f"Ответ{NUL}"})
    assert r.status_code == 400 and error_code(r) == "invalid_input"
    r = as_user(cast.specialist).post(f"/cases/{make_case().pk}/dismiss", {"reason": f"нет{NUL}"})
    assert r.status_code == 400
    assert not Draft.objects.exists() and not Case.objects.filter(status="dismissed").exists()


def test_it_refuses_nul_in_a_token_name(cast, as_user):
    api = as_user(cast.specialist)
    before = ApiToken.objects.count()
    r = api.post("/tokens", {"name": f"мой{NUL}токен"})
    assert r.status_code == 400
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize("query", [{"q": f"яма{NUL}"}, {"status": NUL}, {"cursor": f"x{NUL}"}])
def test_it_refuses_nul_in_the_query(cast, as_user, query):
    r = as_user(cast.specialist).get("/cases", query)
    assert r.status_code == 400 and error_code(r) == "validation_failed"
    assert "NUL" in r.json()["error"]["message"]


def test_pages_refuse_nul_in_the_query_too(cast):
    c = Client()
    c.force_login(cast.specialist)
    r = c.get("/inbox/", {"q": f"яма{NUL}"})
    assert r.status_code == 400 and "NUL" in r.content.decode()


def test_it_refuses_nul_in_the_path(cast, as_user):
    r = as_user(cast.specialist).get("/municipalities/georgievsk%00/organizations")
    assert r.status_code == 400 and "NUL" in r.json()["error"]["message"]
