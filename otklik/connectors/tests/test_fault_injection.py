"""Fault injection: ≥1,000 messages per connector with random faults and a process
"kill" in the middle of a batch, then restarts — every message stored exactly once,
no answer posted twice.

The kill is simulated in-process: a ``BaseException`` raised inside the batch's
transaction (after the posts were written, before the cursor was saved), which
rolls the transaction back exactly as a dead process's connection would, and
leaves the run's lease behind as a killed worker does.
"""

from __future__ import annotations

import random

import pytest

from otklik.cases.models import Post, Publication
from otklik.connectors import storage
from otklik.connectors.base import AccountRef, ConnectorError, RateLimiter, RetryPolicy
from otklik.connectors.collect import collect_account
from otklik.connectors.models import DeliveryAttempt
from otklik.connectors.ok.connector import OkConnector
from otklik.connectors.ok.fake import FakeOk
from otklik.connectors.publish import deliver_publication
from otklik.connectors.telegram.connector import TelegramConnector
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import FAST, vk_connector

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy]

TRANSPORT = ("http_500", "malformed", "drop", "partial", "api_error")


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way catches it."""


def kill_once_at_batch(monkeypatch, n):
    calls = {"n": 0}
    real = storage.register_messages

    def register(*args, **kwargs):
        result = real(*args, **kwargs)  # the posts are written...
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed  # ...and the process dies before the cursor is saved
        return result

    monkeypatch.setattr(storage, "register_messages", register)


def collect_until_quiet(account, make_connector, rounds=40):
    for _ in range(rounds):
        try:
            result = collect_account(account, connector=make_connector(), force=True)
        except Killed:
            continue  # "restart": the lease is left behind, force=True stands for its expiry
        if not result.error and result.new == 0:
            return
    raise AssertionError("collection did not settle")


def assert_stored_once(network, expected_keys):
    keys = list(Post.objects.filter(network=network).values_list("source_key", flat=True))
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_keys


def test_vk_collection_survives_faults_and_a_kill(vk_account, fake_vk, monkeypatch):
    rng = random.Random(6)
    posts = [fake_vk.add_post(f"Пост {i}") for i in range(8)]
    expected = set()
    for i in range(1100):
        post = rng.choice(posts)
        roots = [c for c in fake_vk.comments.values() if c.post_id == post.id and not c.root_id]
        reply_to = rng.choice(roots).id if roots and rng.random() < 0.3 else 0
        c = fake_vk.add_comment(post.id, f"сообщение {i}", from_id=500 + i % 40, reply_to=reply_to)
        expected.add(f"wall-{fake_vk.group_id}_{post.id}_{c.id}")
    fake_vk.faults.randomly(0.15, TRANSPORT, codes=(6, 9, 10), seed=6)
    kill_once_at_batch(monkeypatch, 3)

    def make():
        connector = vk_connector(fake_vk, mode="longpoll")
        connector.page_size = 20
        return connector

    collect_until_quiet(vk_account, make)

    assert_stored_once("vk", expected)
    assert len(fake_vk.faults.injected) > 5
    # new events after the storm arrive through Long Poll, once
    extra = fake_vk.add_comment(posts[0].id, "после")
    collect_until_quiet(vk_account, make)
    assert_stored_once("vk", expected | {f"wall-{fake_vk.group_id}_{posts[0].id}_{extra.id}"})


def test_ok_collection_survives_faults_and_a_kill(cast, monkeypatch, settings):
    fake = FakeOk(seed=7).start()
    try:
        fake.add_token("t")
        topics = [fake.add_topic(f"Тема {i}") for i in range(5)]
        expected = set()
        for i in range(1050):
            topic = topics[i % 5]
            c = fake.add_comment(topic.id, f"к{i}", author_id=str(6000 + i % 30))
            expected.add(f"topic{fake.group_id}_{topic.id}_{c.id}")
        account = cast.vk_account
        account.network, account.url, account.external_id = "ok", "https://ok.ru/group/1", fake.group_id
        account.save()
        creds = {
            "application_key": fake.application_key,
            "application_secret_key": fake.application_secret_key,
            "access_token": "t",
        }
        fake.faults.randomly(0.15, TRANSPORT, codes=(1, 2, 8), seed=7)
        kill_once_at_batch(monkeypatch, 4)

        def make():
            RateLimiter.reset()
            ref = AccountRef(key="ok-fi", network="ok", external_id=fake.group_id, credentials=creds)
            c = OkConnector(ref, base_url=fake.base_url, policy=FAST, sleep=lambda s: None)
            c.rate_per_second, c.page_size = 0, 60
            return c

        collect_until_quiet(account, make)
        assert_stored_once("ok", expected)
    finally:
        fake.stop()


def test_telegram_collection_survives_faults_and_a_kill(cast, monkeypatch):
    fake = FakeTelegram(seed=8).start()
    try:
        fake.add_token("1:t")
        forwards = [fake.post_to_channel(f"Пост {i}")[1] for i in range(4)]
        expected = {f"{fake.group['id']}/{fake.comment(forwards[i % 4], f'к{i}')['message_id']}" for i in range(1000)}
        account = cast.vk_account
        account.network, account.url, account.external_id = "telegram", "https://t.me/adm", str(fake.channel["id"])
        account.save()
        creds = {"bot_token": "1:t", "discussion_chat_id": fake.group["id"]}
        fake.faults.randomly(0.15, ("http_500", "malformed", "drop", "api_error"), codes=(429, 500, 502), seed=8)
        kill_once_at_batch(monkeypatch, 3)

        def make():
            RateLimiter.reset()
            ref = AccountRef(key="tg-fi", network="telegram", external_id=str(fake.channel["id"]), credentials=creds)
            c = TelegramConnector(ref, base_url=fake.base_url, policy=FAST, sleep=lambda s: None, timeout=2.0)
            c.rate_per_second = 0
            return c

        collect_until_quiet(account, make)
        assert_stored_once("telegram", expected)
    finally:
        fake.stop()


def approved_cases(cast, account):  # type: ignore[no-untyped-def]
    """Every collected case taken through the workflow up to an approved answer."""
    from otklik.cases import actions

    cases = []
    for i, stored in enumerate(Post.objects.order_by("id")):
        case = actions.do_detect_case(stored.case, acting_user=cast.specialist)
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        case = actions.do_submit_draft(case, text=f"Ответ №{i}", acting_user=cast.roads)
        cases.append(actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist))
    return cases


def test_vk_publication_is_never_posted_twice(vk_account, fake_vk, cast):
    from otklik.cases import actions

    post = fake_vk.add_post("Пост")
    for i in range(12):
        fake_vk.add_comment(post.id, f"вопрос {i}")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    publications = []
    for case in approved_cases(cast, vk_account):
        case = actions.do_publish_answer(case, account=vk_account, acting_user=cast.specialist)
        publications.append(case.publications.get())  # recorded pending before any network call
    # lost answers (posted, but the client saw a 502), 5xx, flood control, dropped connections
    fake_vk.faults.randomly(0.3, ("lost_response", "http_500", "drop", "api_error"), codes=(6, 9), seed=9)
    rng = random.Random(9)

    for _ in range(30):
        pending = list(Publication.objects.filter(pk__in=[p.pk for p in publications], status="pending"))
        if not pending:
            break
        for publication in pending:
            connector = vk_connector(fake_vk, policy=RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001))
            if rng.random() < 0.1:
                # killed right after the network call, before the confirmation was written
                real_publish = connector.publish

                def publish_then_die(reply, real=real_publish):  # type: ignore[no-untyped-def]
                    real(reply)
                    raise Killed

                connector.publish = publish_then_die  # type: ignore[method-assign]
            try:
                deliver_publication(publication.pk, connector=connector)
            except Killed:
                # the restart comes once the dead delivery's lease has run out
                Publication.objects.filter(pk=publication.pk).update(lease_until=None)
            except ConnectorError as exc:
                assert not exc.permanent  # transient: the job runner would retry
    assert list(Publication.objects.values_list("status", flat=True)) == ["published"] * len(publications)
    texts = [c.text for c in fake_vk.published]
    assert len(texts) == len(set(texts)) == len(publications)  # nothing posted twice
    assert DeliveryAttempt.objects.filter(outcome="found").exists()  # some were found, not re-posted
    for publication in Publication.objects.all():
        assert publication.external_id.startswith(f"wall-{fake_vk.group_id}_{post.id}_")
