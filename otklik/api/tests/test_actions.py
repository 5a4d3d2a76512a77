"""Every action endpoint: allowed, forbidden for each other role, not visible to another organization."""

from __future__ import annotations

from typing import Any

import pytest

from otklik.api.tests.conftest import error_code
from otklik.cases import actions as A
from otklik.cases.models import Case
from otklik.directory.models import Topic


def _routed(cast, make_case, *orgs, lead=None):
    case = make_case()
    return A.do_route_case(case, list(orgs), lead=lead, acting_user=cast.specialist)


def _co(case):
    return case.assignments.get(role="co", is_active=True)


def _with_info(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org, cast.water_org, lead=cast.roads_org)
    A.do_submit_coexecutor_info(_co(case), text="Наша часть", acting_user=cast.water)
    return case


def _in_review(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org)
    return A.do_submit_draft(case, text="Проект ответа", acting_user=cast.roads)


def _approved(cast, make_case):
    case = _in_review(cast, make_case)
    return A.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)


def setup_detect(cast, make_case):
    return f"/cases/{make_case(detected=False).pk}/detect", {}, "specialist"


def setup_route(cast, make_case):
    return f"/cases/{make_case().pk}/route", {"organizations": [cast.roads_org.pk]}, "specialist"


def setup_return_assignment(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org)
    return f"/assignments/{case.assignments.get().pk}/return", {"reason": "Не наша компетенция"}, "roads"


def setup_submit_info(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org, cast.water_org, lead=cast.roads_org)
    return f"/assignments/{_co(case).pk}/info", {"text": "Информация"}, "water"


def setup_approve_info(cast, make_case):
    return f"/assignments/{_co(_with_info(cast, make_case)).pk}/info/approve", {}, "specialist"


def setup_return_info(cast, make_case):
    return f"/assignments/{_co(_with_info(cast, make_case)).pk}/info/return", {"remarks": "Уточните"}, "specialist"


def setup_proceed(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org, cast.water_org, lead=cast.roads_org)
    return f"/cases/{case.pk}/proceed-without-coexecutors", {"reason": "Не отвечают"}, "specialist"


def setup_submit_draft(cast, make_case):
    case = _routed(cast, make_case, cast.roads_org)
    return f"/cases/{case.pk}/drafts", {"text": "Проект"}, "roads"


def setup_approve_draft(cast, make_case):
    return f"/drafts/{_in_review(cast, make_case).drafts.get().pk}/approve", {}, "specialist"


def setup_return_draft(cast, make_case):
    return f"/drafts/{_in_review(cast, make_case).drafts.get().pk}/return", {"remarks": "Исправьте"}, "specialist"


def setup_publish(cast, make_case):
    case = _approved(cast, make_case)
    return f"/cases/{case.pk}/publish", {"external_url": "https://vk.com/wall-100001_1?reply=5"}, "roads"


def setup_exclude(cast, make_case):
    return f"/cases/{make_case().pk}/exclude", {"reason_code": "obscenity"}, "specialist"


def setup_dismiss(cast, make_case):
    return f"/cases/{make_case().pk}/dismiss", {"reason": "Не по теме"}, "specialist"


def setup_repeat(cast, make_case):
    earlier = make_case()
    return f"/cases/{make_case().pk}/repeat", {"earlier_case": earlier.pk}, "specialist"


def setup_significant(cast, make_case):
    return f"/cases/{make_case().pk}/significant", {"reason": "Массовое отключение воды"}, "specialist"


def setup_topic(cast, make_case):
    topic = Topic.objects.create(municipality=cast.municipality, name="Дороги")
    return f"/cases/{make_case().pk}/topic", {"topic": topic.pk}, "specialist"


def setup_assign_person(cast, make_case):
    case = _routed(cast, make_case, cast.housing_org)
    return f"/assignments/{case.assignments.get().pk}/assignee", {"user": cast.housing.pk}, "housing_chief"


def setup_share_answer(cast, make_case):
    earlier = _approved(cast, make_case)
    repeat = A.do_mark_repeat(make_case(), earlier_case=earlier, acting_user=cast.specialist)
    return f"/cases/{repeat.pk}/share-answer", {}, "specialist"


SETUPS = {name[len("setup_") :]: fn for name, fn in dict(globals()).items() if name.startswith("setup_")}
# Who else holds a role and may see the case but must not act (→ 403).
READ_ONLY = ["head", "observer"]


@pytest.fixture(params=sorted(SETUPS))
def action(request, cast, make_case) -> tuple[str, dict[str, Any], str]:
    return SETUPS[request.param](cast, make_case)


def _case_state() -> list[tuple[int, str, int]]:
    return list(Case.objects.order_by("pk").values_list("pk", "status", "version"))


def test_it_is_allowed_for_the_right_role(cast, as_user, action):
    path, body, who = action
    r = as_user(getattr(cast, who)).post(path, body)
    assert r.status_code == 200, r.content
    assert r.json()["version"] >= 2


def test_it_is_forbidden_for_read_only_roles(cast, as_user, action):
    path, body, _ = action
    before = _case_state()
    for who in READ_ONLY:
        r = as_user(getattr(cast, who)).post(path, body)
        assert r.status_code == 403, (who, r.content)
        assert error_code(r) == "forbidden"
    assert _case_state() == before


def test_it_is_not_visible_to_another_organization(cast, as_user, action):
    path, body, _ = action
    before = _case_state()
    for who in ("stranger", "outsider"):
        r = as_user(getattr(cast, who)).post(path, body)
        assert r.status_code == 404, (who, r.content)
    assert _case_state() == before


def test_executor_actions_are_forbidden_to_the_specialist_and_vice_versa(cast, as_user, action):
    path, body, who = action
    if who == "roads" and path.endswith("/publish"):
        pytest.skip("the specialist may publish too (§12)")
    other = cast.roads if who == "specialist" else cast.specialist
    if who == "housing_chief":
        other = cast.housing  # an ordinary executor of the same organization may not assign either
    before = _case_state()
    r = as_user(other).post(path, body)
    assert r.status_code in (403, 404), r.content
    assert _case_state() == before


def test_service_tokens_cannot_act(cast, as_service, action):
    path, body, _ = action
    r = as_service("push", "read", "export").post(path, body)
    assert r.status_code == 403


def test_wrong_state_is_409(cast, as_user, make_case):
    case = make_case()
    r = as_user(cast.specialist).post(f"/cases/{case.pk}/detect")
    assert r.status_code == 409
    assert error_code(r) == "invalid_transition"


@pytest.fixture
def pending(cast, make_case):
    case = _approved(cast, make_case)
    return A.do_publish_answer(case, acting_user=cast.specialist).publications.get()


def test_confirm_publication(cast, as_user, pending):
    r = as_user(cast.specialist).post(
        f"/publications/{pending.pk}/confirm", {"external_id": "42", "url": "https://vk.com/wall-100001_1?reply=42"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "answered"
    assert r.json()["publications"][0]["status"] == "published"
    pending.refresh_from_db()
    assert pending.confirmed_by == cast.specialist
    assert pending.case.events.get(kind="case_answered").actor == cast.specialist


def test_it_refuses_confirmation_by_an_executor(cast, as_user, pending):
    r = as_user(cast.roads).post(
        f"/publications/{pending.pk}/confirm", {"external_id": "42", "url": "https://vk.com/wall-100001_1?reply=42"}
    )
    assert r.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize(
    "url", ["", "https://evil.example/wall-1_1", "https://vk.com:443@evil.example/x", "https://vk.com.evil.example/"]
)
def test_it_refuses_a_confirmation_link_outside_the_network(cast, as_user, pending, url):
    r = as_user(cast.specialist).post(f"/publications/{pending.pk}/confirm", {"external_id": "42", "url": url})
    assert r.status_code == 400, r.content
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_fail_publication_can_be_retried(cast, as_user, pending):
    api = as_user(cast.specialist)
    r = api.post(f"/publications/{pending.pk}/fail", {"error": "Комментарии закрыты"})
    assert r.status_code == 200, r.content
    assert r.json()["publications"][0]["status"] == "failed"
    assert "publish" in r.json()["allowed_actions"]


@pytest.mark.parametrize("who,status", [("head", 403), ("observer", 403), ("stranger", 404), ("housing", 404)])
def test_confirm_publication_by_others(cast, as_user, pending, who, status):
    r = as_user(getattr(cast, who)).post(f"/publications/{pending.pk}/confirm", {"external_id": "42"})
    assert r.status_code == status
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_it_refuses_to_fail_a_publication_while_it_is_being_delivered(cast, as_user, pending):
    from django.utils import timezone

    from otklik.cases.models import Publication

    Publication.objects.filter(pk=pending.pk).update(lease_until=timezone.now() + timezone.timedelta(minutes=2))
    r = as_user(cast.specialist).post(f"/publications/{pending.pk}/fail", {"error": "Не дошло"})
    assert r.status_code == 409, r.content
    assert "отправляется" in r.json()["error"]["message"]
    pending.refresh_from_db()
    assert pending.status == "pending"
