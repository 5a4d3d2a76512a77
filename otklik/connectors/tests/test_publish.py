"""Publication through the workflow's event: pending first, then the network, then confirmed."""

from __future__ import annotations

import pytest

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.collect import collect_account
from otklik.connectors.models import DeliveryAttempt
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.tests.helpers import vk_connector

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def approved(cast, vk_account, fake_vk, monkeypatch):
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "Когда уберут снег?")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="Техника выйдет сегодня.", acting_user=cast.roads)
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])
    return actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)


def test_publishing_an_answer_posts_it_from_the_community(cast, vk_account, fake_vk, approved):
    case = actions.do_publish_answer(approved, account=vk_account, acting_user=cast.specialist)
    publication = case.publications.get()
    publication.refresh_from_db()
    [comment] = fake_vk.published
    assert comment.from_id == -fake_vk.group_id and comment.text == "Техника выйдет сегодня."
    assert publication.status == "published" and publication.external_id.endswith(f"_{comment.id}")
    case.refresh_from_db()
    assert case.status == "answered"
    assert list(DeliveryAttempt.objects.values_list("outcome", flat=True)) == ["published"]


def test_a_permanent_error_fails_the_publication_with_its_reason(cast, vk_account, fake_vk, approved):
    next(iter(fake_vk.posts.values())).comments_open = False
    case = actions.do_publish_answer(approved, account=vk_account, acting_user=cast.specialist)
    publication = case.publications.get()
    publication.refresh_from_db()
    assert publication.status == "failed" and "комментарии к записи закрыты" in publication.error
    assert fake_vk.published == []


def test_the_refusal_reads_in_plain_russian(cast, vk_account, fake_vk, approved):
    next(iter(fake_vk.posts.values())).comments_open = False
    case = actions.do_publish_answer(approved, account=vk_account, acting_user=cast.specialist)
    assert case.publications.get().error == "ВКонтакте: комментарии к записи закрыты (код 213)"


def test_one_publish_posts_the_shared_answer_under_the_repeat_too(cast, vk_account, fake_vk, approved):
    """§19: the repeat given the earlier case's answer is answered on its own comment."""
    post = Post.objects.get()
    fake_vk.add_comment(int(post.source_key.split("_")[1]), "И у меня снег не убран")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    repeat = actions.do_detect_case(Post.objects.get(text="И у меня снег не убран").case, acting_user=cast.specialist)
    repeat = actions.do_mark_repeat(repeat, earlier_case=approved, acting_user=cast.specialist)
    actions.do_share_answer(repeat, acting_user=cast.specialist)

    actions.do_publish_answer(approved, acting_user=cast.roads)

    assert sorted(c.reply_to_comment for c in fake_vk.published) == sorted(
        int(p.source_key.rsplit("_", 1)[1]) for p in Post.objects.all()
    )
    repeat.refresh_from_db()
    assert repeat.status == "answered" and repeat.publications.get().status == "published"
