"""The fakes answer with (at least) the shapes recorded from the documentation."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from otklik.connectors.ok.client import OkClient
from otklik.connectors.ok.fake import FakeOk
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import start_vk

ROOT = Path(__file__).resolve().parent.parent


def load(network: str, name: str):  # type: ignore[no-untyped-def]
    return json.loads((ROOT / network / "fixtures" / name).read_text(encoding="utf-8"))


def missing_keys(recorded, actual, path=""):  # type: ignore[no-untyped-def]
    """Keys present in the recorded shape but absent from the fake's answer."""
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return [path or "."]
        out = []
        for key, value in recorded.items():
            if key not in actual:
                out.append(f"{path}.{key}")
            else:
                out += missing_keys(value, actual[key], f"{path}.{key}")
        return out
    if isinstance(recorded, list) and recorded and isinstance(actual, list) and actual:
        return missing_keys(recorded[0], actual[0], path + "[0]")
    return []


def test_vk_fake_matches_recorded_shapes():
    fake = start_vk()
    try:
        post = fake.add_post("Плановый ремонт дорог")
        root = fake.add_comment(post.id, "Когда?", from_id=501)
        fake.add_comment(post.id, "+", from_id=502, reply_to=root.id)
        call = lambda method, **p: httpx.post(f"{fake.base_url}/{method}", data={**p, "v": "5.199"}).json()  # noqa: E731
        got = call(
            "wall.getComments",
            owner_id=fake.owner_id,
            post_id=post.id,
            thread_items_count=10,
            extended=1,
            access_token="vk-service-key",
        )
        assert missing_keys(load("vk", "wall.getComments.json"), got) == []
        got = call("wall.get", owner_id=fake.owner_id, extended=1, access_token="vk-service-key")
        assert missing_keys(load("vk", "wall.get.json"), got) == []
        got = call("groups.getLongPollServer", group_id=fake.group_id, access_token="vk-group-token")
        assert missing_keys(load("vk", "groups.getLongPollServer.json"), got) == []
        got = call("wall.getComment", owner_id=fake.owner_id, comment_id=root.id, access_token="vk-group-token")
        assert missing_keys(load("vk", "error.json"), got) == [] and got["error"]["error_code"] == 27
        got = call("users.get", user_ids="501", fields="screen_name", access_token="vk-group-token")
        assert missing_keys(load("vk", "users.get.json"), got) == []
        fake.add_group(2002, "Подслушано", screen_name="podslushano_geo", members_count=48210)
        got = call("groups.getById", group_ids="podslushano_geo", fields="members_count", access_token="vk-service-key")
        assert missing_keys(load("vk", "groups.getById.json"), got) == []
        fake.write_message(501, "Здравствуйте")
        assert missing_keys(load("vk", "message_new.json"), fake.events[-1]) == []
    finally:
        fake.stop()


def test_ok_fake_matches_recorded_shapes():
    fake = FakeOk().start()
    try:
        fake.add_token("t")
        topic = fake.add_topic("Парк")
        first = fake.add_comment(topic.id, "Когда?")
        fake.add_comment(topic.id, "Тоже", reply_to=first.id)
        client = OkClient(
            fake.base_url,
            application_key=fake.application_key,
            application_secret_key=fake.application_secret_key,
            access_token="t",
        )
        got = client.call("discussions.getComments", discussionId=topic.id, discussionType="GROUP_TOPIC")
        recorded = load("ok", "discussions.getComments.json")
        assert missing_keys(recorded, got) == []
        assert missing_keys(recorded["comments"][1], got["comments"][1]) == []
        assert (
            missing_keys(
                load("ok", "mediatopic.getTopics.json"), client.call("mediatopic.getTopics", gid=fake.group_id)
            )
            == []
        )
    finally:
        fake.stop()


def test_telegram_fake_matches_recorded_shapes():
    fake = FakeTelegram().start()
    try:
        fake.add_token("1:t")
        _, forward = fake.post_to_channel("Отключение воды")
        fake.comment(forward, "А на Пушкина тоже?")
        got = httpx.post(f"{fake.base_url}1:t/getUpdates").json()
        recorded = load("telegram", "getUpdates.json")
        for i in range(3):
            assert missing_keys(recorded["result"][i], got["result"][i]) == []
    finally:
        fake.stop()


def test_max_fake_matches_recorded_shapes():
    from otklik.connectors.max.fake import FakeMax

    fake = FakeMax().start()
    try:
        fake.add_token("t")
        chat = fake.add_group_chat("Жители")
        fake.chat_message(chat, 501, "Когда уберут снег?")
        fake.comment(fake.post_to_channel("Пост"), 502, "А на Пушкина тоже?")
        auth = {"Authorization": "t"}
        got = httpx.get(
            f"{fake.base_url}/updates", headers=auth, params={"types": "message_created,comment_created"}
        ).json()
        recorded = load("max", "updates.json")
        assert missing_keys(recorded, got) == []
        comment = next(u for u in got["updates"] if u["update_type"] == "comment_created")
        assert missing_keys(recorded["updates"][1], comment) == []
        question = fake.user_writes(501, "Вопрос")
        sent = httpx.post(f"{fake.base_url}/messages", headers=auth, params={"chat_id": fake.dialog_id(501)},
                          json={"text": "Ответ", "link": {"type": "reply", "mid": question["body"]["mid"]}}).json()  # fmt: skip
        assert missing_keys(load("max", "message.json"), sent) == []
        assert missing_keys(load("max", "error.json"), httpx.get(f"{fake.base_url}/me").json()) == []
    finally:
        fake.stop()
