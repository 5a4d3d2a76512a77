"""§22 (issue 18 §4): exclusion at any stage before the final answer is published; evidence kept."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.access import allowed_actions
from otklik.cases.errors import InvalidTransition, ValidationFailed
from otklik.cases.models import Draft, Publication
from otklik.cases.tests.helpers import msk, open_stages, routed_case
from otklik.regulation.stages import abuse_label

pytestmark = pytest.mark.django_db


def _review(cast, clock):  # type: ignore[no-untyped-def]
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    return actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)


def test_it_excludes_a_case_under_review_cancelling_its_clocks_and_keeping_the_draft(cast, clock):
    case = _review(cast, clock)
    assert "exclude" in allowed_actions(cast.specialist, case)
    case = actions.do_exclude_case(case, reason_code="threat", comment="угрожает", acting_user=cast.specialist)
    assert case.status == "excluded" and open_stages(case) == []
    assert Draft.objects.filter(case=case).count() == 1  # evidence kept
    assert case.posts.get().text  # the message itself too


def test_it_excludes_after_an_intermediate_answer(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_submit_draft(case, text="Разбираемся", kind="intermediate", acting_user=cast.roads)
    case = actions.do_approve_draft(Draft.objects.get(case=case), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, external_url="https://vk.com/wall-1_3", acting_user=cast.specialist)
    assert case.status == "intermediate"
    case = actions.do_exclude_case(case, reason_code="obscenity", acting_user=cast.specialist)
    assert case.status == "excluded"


def test_it_refuses_while_the_answer_is_being_published_and_after_it_was(cast, clock):
    case = _review(cast, clock)
    case = actions.do_approve_draft(Draft.objects.get(case=case), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, acting_user=cast.specialist)
    assert "exclude" not in allowed_actions(cast.specialist, case)
    with pytest.raises(InvalidTransition, match="размещается"):
        actions.do_exclude_case(case, reason_code="insult", acting_user=cast.specialist)
    publication = Publication.objects.get(case=case)
    case = actions.do_confirm_publication(publication, external_id="1", url="https://vk.com/wall-1_2")
    with pytest.raises(InvalidTransition):
        actions.do_exclude_case(case, reason_code="insult", acting_user=cast.specialist)


def test_the_categories_are_named_in_russian(cast, clock):
    assert [abuse_label(c) for c in ("obscenity", "insult", "threat")] == ["обсценная лексика", "оскорбление", "угроза"]
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    with pytest.raises(ValidationFailed, match="обсценная лексика, оскорбление или угроза"):
        actions.do_exclude_case(case, reason_code="spam", acting_user=cast.specialist)
