"""Collection into the database: cursor, duplicates, errors on the status page."""

from __future__ import annotations

import pytest

from otklik.cases.models import Case, Post
from otklik.connectors.collect import collect_account, due_accounts
from otklik.connectors.models import CollectionState
from otklik.connectors.tests.helpers import vk_connector

pytestmark = pytest.mark.django_db(transaction=True)


def run(account, fake, **kw):
    return collect_account(account, connector=vk_connector(fake, **kw))


def test_it_stores_each_message_once_and_opens_cases_in_the_feed(vk_account, fake_vk):
    post = fake_vk.add_post("Пост")
    for i in range(30):
        fake_vk.add_comment(post.id, f"к{i}")
    assert run(vk_account, fake_vk).new == 30
    state = CollectionState.objects.get(account=vk_account)
    state.cursor = {}
    state.save()
    assert run(vk_account, fake_vk).new == 0  # collected again from scratch: nothing stored twice
    assert Post.objects.count() == 30
    assert set(Case.objects.values_list("status", flat=True)) == {"feed"}
    assert Post.objects.first().account == vk_account
    state.refresh_from_db()
    assert state.collected_today == 30 and state.last_success_at and not state.last_error


def test_an_error_is_shown_on_the_state_and_the_cursor_stays(vk_account, fake_vk):
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "первый")
    run(vk_account, fake_vk)
    cursor = CollectionState.objects.get(account=vk_account).cursor
    fake_vk.add_comment(post.id, "второй")
    fake_vk.revoke("vk-service-key")
    fake_vk.revoke("vk-admin-token")
    result = run(vk_account, fake_vk)
    state = CollectionState.objects.get(account=vk_account)
    assert "отозван" in result.error and state.last_error_permanent and "отозван" in state.last_error
    assert state.cursor == cursor
    fake_vk.add_token("vk-service-key-2", "service")
    assert run(vk_account, fake_vk, service_token="vk-service-key-2").new == 1


def test_edits_and_deletions_are_recorded_on_the_post(vk_account, fake_vk):
    post = fake_vk.add_post("Пост")
    connector = vk_connector(fake_vk, mode="longpoll")
    collect_account(vk_account, connector=connector)
    comment = fake_vk.add_comment(post.id, "Яма")
    fake_vk.edit_comment(comment.id, "Яма у дома 5")
    collect_account(vk_account, connector=connector)
    stored = Post.objects.get()
    assert stored.text == "Яма у дома 5" and stored.edited_at
    fake_vk.delete_comment(comment.id)
    collect_account(vk_account, connector=connector)
    stored.refresh_from_db()
    assert stored.deleted_at is not None


def test_bad_input_is_stored_cleanly(vk_account, fake_vk):
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "я" * 1_000_000)
    fake_vk.add_comment(post.id, "a\u200b\u202eb\ud800c\x00d", attachments=[{"type": "strange", "strange": {}}])
    assert run(vk_account, fake_vk).new == 2
    odd = Post.objects.get(text__startswith="a")
    assert odd.text == "a\u200b\u202eb\ufffdcd"
    assert odd.attachments[0]["type"] == "other"
    assert Post.objects.get(text__startswith="я").text == "я" * 1_000_000


def test_due_accounts_respects_the_interval(vk_account, fake_vk):
    assert due_accounts() == [vk_account]
    run(vk_account, fake_vk)
    assert due_accounts() == []
    CollectionState.objects.filter(account=vk_account).update(interval_minutes=0)
    assert due_accounts() == [vk_account]


def test_a_token_revoked_mid_run_loses_nothing(vk_account, fake_vk):
    posts = [fake_vk.add_post(f"Пост {i}") for i in range(3)]
    for post in posts:
        for i in range(5):
            fake_vk.add_comment(post.id, f"{post.id}-{i}")
    # the token stops working after the first post's comments were read
    fake_vk.faults.schedule("api_error", op="wall.getComments", code=5, after=1)
    first = run(vk_account, fake_vk)
    state = CollectionState.objects.get(account=vk_account)
    assert first.new == 5 and "отозван" in state.last_error  # the first post's batch is kept
    second = run(vk_account, fake_vk)  # a renewed token
    assert second.new == 10 and not second.error
    assert Post.objects.count() == 15
