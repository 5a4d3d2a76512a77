from __future__ import annotations

from otklik.cases import actions
from otklik.cases.replay import replay_status
from otklik.cases.tests.helpers import message, msk


def test_it_runs_a_sole_case_to_the_answer(cast, clock):
    case = actions.do_register_post(cast.municipality, message())
    case = actions.do_detect_case(case, acting_user=cast.specialist)
    clock.advance(minutes=10)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    clock.advance(minutes=20)
    case = actions.do_submit_draft(case, text="Яму заделаем до пятницы.", acting_user=cast.roads)
    draft = case.drafts.get()
    case = actions.do_approve_draft(draft, acting_user=cast.specialist)
    case = actions.do_publish_answer(case, acting_user=cast.roads)
    pub = case.publications.get()
    case = actions.do_confirm_publication(pub, external_id="123", url="https://vk.com/wall-100001_1?reply=123")
    assert case.status == "answered"
    assert replay_status(case) == "answered"
    assert case.next_due_at is None
    assert msk(2025, 3, 3, 10, 30) == case.answered_at
