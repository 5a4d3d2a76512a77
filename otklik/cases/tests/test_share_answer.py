"""§19 (issue 18 §4): one answer for a repeat and its earlier case — one approval, both places."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.access import allowed_actions
from otklik.cases.errors import ActionForbidden, InvalidTransition, ValidationFailed
from otklik.cases.models import Draft, Publication
from otklik.cases.tests.helpers import deadline, detected_case, msk, open_stages, routed_case

pytestmark = pytest.mark.django_db


def _approved_with_repeat(cast, clock):  # type: ignore[no-untyped-def]
    earlier = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    repeat = detected_case(cast, clock, msk(2025, 3, 3, 10, 20), text="И у меня та же яма на Ленина")
    repeat = actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)
    earlier = actions.do_submit_draft(earlier, text="Яму заделаем до пятницы.", acting_user=cast.roads)
    actions.do_approve_draft(Draft.objects.get(case=earlier), acting_user=cast.specialist)
    return earlier, repeat


def test_the_repeat_takes_the_approved_answer_and_is_published_on_its_own_post(cast, clock):
    earlier, repeat = _approved_with_repeat(cast, clock)
    assert "share_answer" in allowed_actions(cast.specialist, repeat)
    repeat = actions.do_share_answer(repeat, acting_user=cast.specialist)
    assert repeat.status == "approved"
    shared = Draft.objects.filter(case=repeat).order_by("-version").first()
    assert (shared.text, shared.outcome, shared.reviewed_by) == (
        "Яму заделаем до пятницы.",
        "approved",
        cast.specialist,
    )
    assert open_stages(repeat) == ["publish_total"]
    assert deadline(repeat, "draft").outcome == "cancelled"
    for case, url in ((earlier, "https://vk.com/wall-1_1?reply=2"), (repeat, "https://vk.com/wall-1_1?reply=3")):
        actions.do_publish_answer(case, external_url=url, acting_user=cast.roads)
    assert Publication.objects.filter(status="published").count() == 2
    repeat.refresh_from_db()
    assert repeat.status == "answered"


def test_it_needs_an_approved_answer_and_a_specialist(cast, clock):
    earlier = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    repeat = detected_case(cast, clock, msk(2025, 3, 3, 10, 20))
    repeat = actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)
    assert "share_answer" not in allowed_actions(cast.specialist, repeat)
    with pytest.raises(InvalidTransition, match="ещё нет согласованного ответа"):
        actions.do_share_answer(repeat, acting_user=cast.specialist)
    with pytest.raises(ActionForbidden):
        actions.do_share_answer(repeat, acting_user=cast.roads)


def test_one_publish_on_the_earlier_case_posts_the_shared_answer_on_the_repeat_too(cast, clock):
    earlier, repeat = _approved_with_repeat(cast, clock)
    actions.do_share_answer(repeat, acting_user=cast.specialist)
    actions.do_publish_answer(earlier, acting_user=cast.roads)
    both = {p.case_id: p for p in Publication.objects.filter(status="pending")}
    assert set(both) == {earlier.pk, repeat.pk}
    assert both[repeat.pk].draft.case_id == repeat.pk and both[repeat.pk].account == cast.vk_account
    assert "publish" not in allowed_actions(cast.roads, repeat)
    for n, publication in enumerate(both.values()):
        actions.do_confirm_publication(publication, external_id=str(n), url=f"https://vk.com/wall-1_1?reply={n}")
    repeat.refresh_from_db()
    assert repeat.status == "answered" and open_stages(repeat) == []
    assert deadline(repeat, "publish_total").outcome == "met"


def test_a_repeat_not_given_the_answer_or_already_posting_is_left_alone(cast, clock):
    earlier, repeat = _approved_with_repeat(cast, clock)
    actions.do_publish_answer(earlier, acting_user=cast.roads)
    assert list(Publication.objects.values_list("case_id", flat=True)) == [earlier.pk]
    repeat = actions.do_share_answer(repeat, acting_user=cast.specialist)
    actions.do_publish_answer(repeat, acting_user=cast.roads)
    actions.do_fail_publication(Publication.objects.get(case=earlier), error="Комментарии закрыты")
    actions.do_publish_answer(earlier, acting_user=cast.roads)  # the retry does not post the repeat twice
    assert Publication.objects.filter(case=repeat).count() == 1


def test_a_video_answer_is_not_given_to_a_repeat_in_a_network_that_refuses_videos(cast, clock):
    earlier = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    repeat = detected_case(cast, clock, msk(2025, 3, 3, 10, 20), network="ok", url="https://ok.ru/group/1/topic/2")
    repeat = actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)
    earlier = actions.do_submit_draft(earlier, text="Видео ремонта.", acting_user=cast.roads)
    video = {"type": "video", "path": "files/2025/03/v.mp4", "name": "ремонт.mp4", "content_type": "video/mp4"}
    Draft.objects.filter(case=earlier).update(attachments=[video])  # as the draft form stores it
    actions.do_approve_draft(Draft.objects.get(case=earlier), acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="видео их API к комментарию не прикрепляет: ремонт.mp4"):
        actions.do_share_answer(repeat, acting_user=cast.specialist)
    repeat.refresh_from_db()
    assert repeat.status == "assigned" and Draft.objects.filter(case=repeat).count() == 0
