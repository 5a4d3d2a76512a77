"""Fault injection for the newer VK sources: a watched community and private messages.

≥1,000 messages, 15% random faults, a "kill" inside a batch's transaction (see
test_fault_injection.py for how the kill is simulated) — each message stored once.
"""

from __future__ import annotations

import random

import pytest

from otklik.connectors.collect import collect_account, collect_watched
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.tests.helpers import FAST, vk_connector
from otklik.connectors.tests.test_fault_injection import (
    TRANSPORT,
    Killed,
    assert_stored_once,
    collect_until_quiet,
    kill_once_at_batch,
)
from otklik.connectors.vk.watched import VkWatchedConnector

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy]
WATCHED = 2002


def test_a_watched_community_survives_faults_and_a_kill(vk_account, fake_vk, monkeypatch):
    from otklik.connectors.collect import account_ref

    fake_vk.add_group(WATCHED, "Подслушано", screen_name="podslushano")
    rng = random.Random(11)
    posts = [fake_vk.add_post(f"Анонимно {i}", owner_id=-WATCHED) for i in range(30)]
    expected = {f"wall-{WATCHED}_{p.id}" for p in posts}
    for i in range(1000):
        post = rng.choice(posts)
        c = fake_vk.add_comment(post.id, f"комментарий {i}", from_id=700 + i % 50)
        expected.add(f"wall-{WATCHED}_{post.id}_{c.id}")
    watched = WatchedCommunity.objects.create(
        municipality=vk_account.organization.municipality, account=vk_account, link="https://vk.com/podslushano",
        external_id=str(WATCHED), name="Подслушано",
    )  # fmt: skip
    fake_vk.faults.randomly(0.15, TRANSPORT, codes=(6, 9, 10), seed=11)
    fake_vk.faults.schedule("partial", op="execute")
    fake_vk.faults.schedule("http_500", op="execute")
    kill_once_at_batch(monkeypatch, 3)

    def make():  # type: ignore[no-untyped-def]
        c = VkWatchedConnector(account_ref(vk_account), group_id=WATCHED, base_url=fake_vk.base_url, policy=FAST,
                               sleep=lambda s: None)  # fmt: skip
        c.rates, c.page_size, c.scan_posts = {"user": 0, "service": 0, "group": 0}, 20, 30
        return c

    for _ in range(40):
        try:
            result = collect_watched(watched, connector=make(), force=True)
        except Killed:
            continue
        if not result.error and result.new == 0:
            break
    else:
        raise AssertionError("collection did not settle")
    assert_stored_once("vk", expected)
    assert any(f.op == "execute" for f in fake_vk.faults.injected)


def test_private_messages_survive_faults_and_a_kill(vk_account, fake_vk, monkeypatch):
    connector = vk_connector(fake_vk, mode="longpoll")
    collect_account(vk_account, connector=connector)
    expected = {
        f"msg-{fake_vk.group_id}_{800 + i % 60}_{fake_vk.write_message(800 + i % 60, f'обращение {i}').id}"
        for i in range(1000)
    }
    fake_vk.faults.randomly(0.15, TRANSPORT, codes=(6, 9, 10), seed=12)
    kill_once_at_batch(monkeypatch, 4)
    collect_until_quiet(vk_account, lambda: vk_connector(fake_vk, mode="longpoll"))
    assert_stored_once("vk", expected)


def test_max_collection_survives_faults_and_a_kill(cast, monkeypatch):
    from otklik.connectors.max.fake import FakeMax
    from otklik.connectors.tests.test_max import TOKEN, connector

    fake = FakeMax(seed=13).start()
    try:
        fake.add_token(TOKEN)
        chat = fake.add_group_chat("Жители")
        post = fake.post_to_channel("Пост")
        channel = fake.channel["chat_id"]
        expected = set()
        for i in range(1050):
            if i % 3 == 0:
                m = fake.user_writes(900 + i % 40, f"личное {i}")
                expected.add(f"{fake.dialog_id(900 + i % 40)}/{m['body']['mid']}")
            elif i % 3 == 1:
                m = fake.chat_message(chat, 900 + i % 40, f"в чате {i}")
                expected.add(f"{chat}/{m['body']['mid']}")
            else:
                m = fake.comment(post, 900 + i % 40, f"комментарий {i}")
                expected.add(f"{channel}/{post['body']['mid']}/{m['body']['mid']}")
        account = cast.vk_account
        account.network, account.url, account.external_id = "max", "https://max.ru/adm", str(channel)
        account.save()
        fake.faults.randomly(0.15, TRANSPORT, codes=(429, 500, 503), seed=13)
        kill_once_at_batch(monkeypatch, 3)
        collect_until_quiet(account, lambda: connector(fake))
        assert_stored_once("max", expected)
    finally:
        fake.stop()
