"""§3 (issue 18 §4): the regional centre marks a published answer unsatisfactory; the case reopens."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.access import allowed_actions
from otklik.cases.errors import ActionForbidden, InvalidTransition, ValidationFailed
from otklik.cases.models import Draft
from otklik.cases.tests.helpers import deadline, msk, routed_case
from otklik.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(cast, clock):  # type: ignore[no-untyped-def]
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_submit_draft(case, text="Яму заделаем.", acting_user=cast.roads)
    case = actions.do_approve_draft(Draft.objects.get(case=case), acting_user=cast.specialist)
    return actions.do_publish_answer(case, external_url="https://vk.com/wall-1_9", acting_user=cast.roads)


def test_it_reopens_the_case_for_a_corrected_answer_with_a_revise_clock(
    cast, clock, answered, django_capture_on_commit_callbacks
):
    assert allowed_actions(cast.observer, answered) == {"mark_unsatisfactory"}
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.do_mark_unsatisfactory(answered, comment="Не указан срок", acting_user=cast.observer)
    assert case.status == "revision" and case.closed_at is None
    revise = deadline(case, "revise")
    assert revise.closed_at is None and revise.user == cast.roads
    note = Notification.objects.get(user=cast.roads, kind="answer_unsatisfactory")
    assert "неудовлетворительным" in note.title and note.body == "Комментарий ЦУР: Не указан срок"
    assert Notification.objects.filter(user=cast.specialist, kind="answer_unsatisfactory").exists()
    case = actions.do_submit_draft(case, text="Яму заделаем до 10 марта.", acting_user=cast.roads)
    assert case.status == "review" and deadline(case, "revise").outcome == "met"


def test_only_the_observer_marks_and_only_a_published_answer(cast, clock, answered):
    for user in (cast.specialist, cast.head, cast.roads):
        with pytest.raises((ActionForbidden, InvalidTransition)):  # the answered case is closed to them
            actions.do_mark_unsatisfactory(answered, comment="плохо", acting_user=user)
    with pytest.raises(ValidationFailed):
        actions.do_mark_unsatisfactory(answered, comment="  ", acting_user=cast.observer)
    fresh = routed_case(cast, clock, msk(2025, 3, 3, 11, 0))
    with pytest.raises(InvalidTransition):
        actions.do_mark_unsatisfactory(fresh, comment="плохо", acting_user=cast.observer)


def test_it_is_counted_on_the_dashboard(cast, clock, answered, client):
    actions.do_mark_unsatisfactory(answered, comment="Не по существу", acting_user=cast.observer)
    client.force_login(cast.coordinator)
    page = client.get("/dashboard/?start=2025-03-01&end=2025-03-31").content.decode()
    assert "признанные ЦУР неудовлетворительными" in page
    assert '<div class="num">1</div><div class="muted small">за период (п. 3)' in page
