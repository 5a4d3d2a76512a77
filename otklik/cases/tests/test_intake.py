"""Storing messages: idempotent, batched, comments are their own cases, edits are recorded."""

from __future__ import annotations

from unittest import mock

import pytest

from otklik.cases import actions
from otklik.cases.errors import ActionForbidden, ValidationFailed
from otklik.cases.models import Case, CaseEvent, Post
from otklik.cases.tests.helpers import deadline, message, msk
from otklik.connectors.base import Attachment

pytestmark = pytest.mark.django_db


def test_it_stores_a_message_as_a_case_in_the_feed(cast, clock):
    with mock.patch("otklik.cases._common.publish") as publish:
        case = actions.do_register_post(
            cast.municipality,
            message(key="wall-1_5", attachments=[Attachment("photo", "https://vk.com/photo1_2", "яма")]),
        )
    post = case.primary_post
    assert (case.status, case.version, post.case, post.source_key) == ("feed", 1, case, "wall-1_5")
    assert post.attachments == [{"type": "photo", "url": "https://vk.com/photo1_2", "name": "яма"}]
    publish.assert_called_once_with("post_registered", {"case_id": case.pk, "post_id": post.pk, "actor_id": None})
    assert case.events.get().data == {
        "before": None,
        "after": "feed",
        "post_id": post.pk,
        "network": "vk",
        "source_key": "wall-1_5",
        "detected": False,
    }


def test_storing_the_same_message_twice_changes_nothing(cast, clock):
    first = actions.do_register_post(cast.municipality, message(key="wall-1_7"))
    with mock.patch("otklik.cases._common.publish") as publish:
        again = actions.do_register_post(cast.municipality, message("другой текст", key="wall-1_7"))
    assert again == first and again.version == first.version
    assert Post.objects.count() == 1 and CaseEvent.objects.count() == 1
    assert Post.objects.get().text == "На улице Ленина яма на дороге"
    publish.assert_not_called()


def test_a_batch_is_stored_in_order_with_duplicates_folded(cast, clock):
    old = actions.do_register_post(cast.municipality, message(key="k-0"))
    batch = [message(key=f"k-{i}") for i in range(5)] + [message(key="k-2")]
    cases = actions.do_register_posts(cast.municipality, batch)
    assert cases[0] == old and cases[2] == cases[5]
    assert len({c.pk for c in cases}) == 5
    assert Case.objects.count() == 5 and Post.objects.count() == 5
    assert all(c.primary_post.source_key == f"k-{i}" for i, c in enumerate(cases[:5]))


def test_detected_entry_opens_new_cases_with_the_route_clock(cast, clock):
    clock.set(msk(2025, 3, 7, 16, 30))
    cases = actions.do_register_posts(
        cast.municipality, [message(), message()], detected=True, acting_user=cast.specialist
    )
    for case in cases:
        case.refresh_from_db()
        assert (case.status, case.detected_at) == ("new", msk(2025, 3, 7, 16, 30))
        assert deadline(case, "route").due_at == msk(2025, 3, 10, 9, 30) == case.next_due_at
        assert case.events.get().actor == cast.specialist


def test_a_comment_on_a_stored_post_is_its_own_case(cast, clock):
    parent = actions.do_register_post(cast.municipality, message(key="wall-1_1"))
    comment = actions.do_register_post(
        cast.municipality, message("И у нас тоже", key="wall-1_1_9", parent_key="wall-1_1")
    )
    assert comment != parent and comment.primary_post.parent_key == "wall-1_1"


def test_only_the_administrations_people_enter_messages_by_hand(cast, clock):
    with pytest.raises(ActionForbidden):
        actions.do_register_post(cast.municipality, message(), acting_user=cast.roads)
    with pytest.raises(ValidationFailed, match="соцсеть"):
        actions.do_register_post(cast.municipality, message(network="myspace"))
    assert not Case.objects.exists()


def test_an_edited_and_a_deleted_source_message_is_recorded_on_the_case(cast, clock):
    case = actions.do_register_post(cast.municipality, message("Яма"))
    clock.advance(minutes=5)
    case = actions.do_update_post(case.primary_post, text="Яма на Ленина, 5")
    case = actions.do_update_post(case.primary_post, text="Яма на Ленина, 5")  # repeated: no change
    case = actions.do_update_post(case.primary_post, deleted=True)

    post = Post.objects.get()
    assert (post.text, post.edited_at, post.deleted_at is not None) == (
        "Яма на Ленина, 5",
        msk(2025, 3, 3, 10, 5),
        True,
    )
    edited, deleted = case.events.exclude(kind="case_created")
    assert (edited.kind, edited.data["text_before"], edited.data["text_after"]) == (
        "post_edited",
        "Яма",
        "Яма на Ленина, 5",
    )
    assert deleted.kind == "post_deleted"
    assert case.version == 3


def test_a_post_stored_without_a_case_gets_one(cast, clock):
    orphan = Post.objects.create(
        municipality=cast.municipality,
        network="vk",
        source_key="wall-1_99",
        text="Старое",
        published_at=msk(2025, 3, 1),
    )
    case = actions.do_register_post(cast.municipality, message(key="wall-1_99"))
    orphan.refresh_from_db()
    assert (orphan.case, case.primary_post, case.status) == (case, orphan, "feed")
    assert actions.do_register_post(cast.municipality, message(key="wall-1_99")) == case
