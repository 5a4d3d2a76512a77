"""§3 over the API: only the regional centre's observer marks a published answer unsatisfactory."""

from __future__ import annotations

from otklik.cases import actions as A


def _answered(cast, make_case):  # type: ignore[no-untyped-def]
    case = A.do_route_case(make_case(), [cast.roads_org], acting_user=cast.specialist)
    case = A.do_submit_draft(case, text="Проект", acting_user=cast.roads)
    case = A.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    return A.do_publish_answer(case, external_url="https://vk.com/wall-100001_1?reply=5", acting_user=cast.roads)


def test_the_observer_reopens_an_answered_case(cast, as_user, make_case):
    case = _answered(cast, make_case)
    # A closed case refuses everybody else with its state (409), as every action on it does.
    for who, status in (("specialist", 409), ("head", 409), ("roads", 409), ("stranger", 404)):
        r = as_user(getattr(cast, who)).post(f"/cases/{case.pk}/unsatisfactory", {"comment": "Не по существу"})
        assert r.status_code == status, (who, r.content)
    r = as_user(cast.observer).post(f"/cases/{case.pk}/unsatisfactory", {"comment": "Не по существу"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "revision"
    r = as_user(cast.observer).post(f"/cases/{case.pk}/unsatisfactory", {"comment": ""})
    assert r.status_code == 400
