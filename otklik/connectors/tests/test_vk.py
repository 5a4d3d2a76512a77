"""VK connector against the fake VK API over real HTTP."""

from __future__ import annotations

import pytest

from otklik.connectors.base import ConnectorError, OutgoingFile, Reply, RetryPolicy
from otklik.connectors.tests.helpers import drain, start_vk, vk_connector


@pytest.fixture
def fake():
    server = start_vk()
    yield server
    server.stop()


def test_it_collects_comments_with_pagination_and_threads(fake):
    post = fake.add_post("Ремонт дорог в 2026 году")
    roots = [fake.add_comment(post.id, f"Комментарий {i}", from_id=501) for i in range(250)]
    for i in range(25):
        fake.add_comment(post.id, f"Ответ {i}", from_id=502, reply_to=roots[3].id)
    connector = vk_connector(fake)
    connector.page_size = 40

    messages, _, cursor = drain(connector)

    assert len(messages) == 275
    assert len({m.source_key for m in messages}) == 275
    reply = next(m for m in messages if m.text == "Ответ 7")
    assert reply.parent_key == f"wall-{fake.group_id}_{post.id}"
    assert f"thread={roots[3].id}" in reply.url
    assert reply.author_name == "Мария Сидорова"
    assert cursor["posts"] == {str(post.id): 275}


def test_it_reads_only_changed_posts_next_time(fake):
    post = fake.add_post("Объявление")
    fake.add_comment(post.id, "первый")
    connector = vk_connector(fake)
    _, _, cursor = drain(connector)
    fake.requests.clear()

    messages, _, cursor = drain(connector, cursor)
    assert messages == []
    assert [op for op, _ in fake.requests] == ["wall.get"]

    fake.add_comment(post.id, "второй")
    messages, _, _ = drain(connector, cursor)
    assert {m.text for m in messages} >= {"второй"}


def test_partial_pages_lose_nothing(fake):
    post = fake.add_post("Пост")
    for i in range(120):
        fake.add_comment(post.id, f"к{i}")
    fake.faults.schedule("partial", op="wall.getComments", times=3)
    messages, _, _ = drain(vk_connector(fake))
    assert {m.text for m in messages} == {f"к{i}" for i in range(120)}


def test_wrong_token_type_is_a_permanent_error_with_the_vk_code(fake):
    fake.add_post("Пост")
    connector = vk_connector(fake, service_token="vk-group-token", user_token="")
    with pytest.raises(ConnectorError) as info:
        drain(connector)
    assert info.value.code == 27 and info.value.permanent
    connector = vk_connector(fake)
    with pytest.raises(ConnectorError) as info:
        connector.api("wall.getComment", "service", owner_id=fake.owner_id, comment_id=1)
    assert info.value.code == 5 or info.value.code == 28


def test_service_key_on_a_user_only_method_answers_28(fake):
    fake.add_token("svc2", "service")
    connector = vk_connector(fake, user_token="svc2")
    with pytest.raises(ConnectorError) as info:
        connector.api("wall.getComment", "user", owner_id=fake.owner_id, comment_id=1)
    assert info.value.code == 28


@pytest.mark.parametrize(
    "code,permanent",
    [(6, False), (9, False), (10, False), (5, True), (15, True), (212, True), (100, True), (14, True)],
)
def test_every_error_class_is_mapped(fake, code, permanent):
    fake.add_post("Пост")
    fake.faults.schedule("api_error", op="wall.get", code=code, times=10)
    connector = vk_connector(fake, policy=RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001))
    with pytest.raises(ConnectorError) as info:
        drain(connector)
    assert info.value.code == code
    assert info.value.permanent is permanent
    assert "ВКонтакте" in info.value.message


@pytest.mark.parametrize("kind", ["http_500", "malformed", "drop", "timeout"])
def test_transport_faults_are_retried(fake, kind):
    post = fake.add_post("Пост")
    fake.add_comment(post.id, "текст")
    fake.faults.schedule(kind, delay=1.5, times=2)
    messages, _, _ = drain(vk_connector(fake))
    assert [m.text for m in messages] == ["текст"]


def test_revoked_token_mid_run_stops_with_a_clear_error(fake):
    post = fake.add_post("Пост")
    fake.add_comment(post.id, "до")
    connector = vk_connector(fake)
    _, _, cursor = drain(connector)
    fake.revoke("vk-service-key")
    fake.revoke("vk-admin-token")
    fake.add_comment(post.id, "после")
    with pytest.raises(ConnectorError) as info:
        drain(connector, cursor)
    assert info.value.permanent and "отозван" in info.value.message


def test_long_poll_collects_events_and_recovers_from_failed_1_2_3(fake):
    post = fake.add_post("Пост")
    fake.add_comment(post.id, "старый")
    connector = vk_connector(fake, mode="longpoll")
    messages, _, cursor = drain(connector)
    assert [m.text for m in messages] == ["старый"]  # the first run reads the wall

    fake.add_comment(post.id, "новый 1")
    fake.expire_key()  # failed 2: new key, same ts
    messages, _, cursor = drain(connector, cursor)
    assert [m.text for m in messages] == ["новый 1"]

    fake.add_comment(post.id, "пропущенный")
    fake.lose_history()  # failed 1: ts outdated -> a wall scan fills the gap
    messages, _, cursor = drain(connector, cursor)
    assert "пропущенный" in [m.text for m in messages]

    fake.add_comment(post.id, "после сбоя")
    cursor["lp"]["ts"] = "999999"  # failed 3: information lost
    messages, _, cursor = drain(connector, cursor)
    assert "после сбоя" in [m.text for m in messages]


def test_long_poll_reports_edits_and_deletions(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake, mode="longpoll")
    _, _, cursor = drain(connector)
    comment = fake.add_comment(post.id, "Яма на Ленина")
    fake.edit_comment(comment.id, "Яма на Ленина, 5")
    fake.delete_comment(comment.id)
    messages, changes, _ = drain(connector, cursor)
    assert [m.text for m in messages] == ["Яма на Ленина"]
    assert [(c.kind, c.text) for c in changes] == [("edited", "Яма на Ленина, 5"), ("deleted", "")]


def test_it_publishes_a_reply_with_a_photo_from_the_community(fake):
    post = fake.add_post("Пост")
    comment = fake.add_comment(post.id, "Когда починят?")
    connector = vk_connector(fake)
    reply = Reply(
        target_key=f"wall-{fake.group_id}_{post.id}_{comment.id}",
        text="Ремонт запланирован на июнь.",
        idempotency_key="otklik-pub-1",
        files=[OutgoingFile("yama.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")],
    )
    published = connector.publish(reply)

    [created] = fake.published
    assert created.from_id == -fake.group_id and created.reply_to_comment == comment.id
    assert created.attachments[0]["type"] == "photo"
    assert published.external_id == f"wall-{fake.group_id}_{post.id}_{created.id}"
    assert connector.find_published(reply) == published


def test_it_publishes_a_video_uploaded_with_video_save(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake)
    reply = Reply(
        f"wall-{fake.group_id}_{post.id}", "Вот как идёт ремонт.", "otklik-pub-v",
        files=[OutgoingFile("remont.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4")],
    )  # fmt: skip
    connector.publish(reply)

    [created] = fake.published
    [video] = fake.videos.values()
    assert created.attachments == [
        {"type": "video", "video": {k: video[k] for k in ("id", "owner_id", "title", "access_key")}}
    ]
    assert (video["owner_id"], video["title"], video["is_private"], video["size"]) == (
        -fake.group_id, "remont.mp4", False, 18
    )  # fmt: skip


def test_a_document_is_refused_before_anything_is_posted(fake):
    post = fake.add_post("Пост")
    reply = Reply(
        f"wall-{fake.group_id}_{post.id}", "Ответ", "k", files=[OutgoingFile("a.pdf", b"%PDF", "application/pdf")]
    )
    with pytest.raises(ConnectorError, match="только фото и видео") as info:
        vk_connector(fake).publish(reply)
    assert info.value.permanent and fake.published == []


def test_publishing_twice_with_the_same_guid_posts_once(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake)
    reply = Reply(f"wall-{fake.group_id}_{post.id}", "Ответ", "otklik-pub-2")
    fake.faults.schedule("lost_response", op="wall.createComment")
    first = connector.publish(reply)  # the lost answer is retried with the same guid
    assert len(fake.published) == 1
    assert connector.publish(reply) == first


def test_closed_comments_are_a_permanent_publication_error(fake):
    post = fake.add_post("Пост")
    post.comments_open = False
    with pytest.raises(ConnectorError) as info:
        vk_connector(fake).publish(Reply(f"wall-{fake.group_id}_{post.id}", "Ответ", "k"))
    assert info.value.permanent and info.value.code == 213


def test_bad_input_is_kept_intact(fake):
    post = fake.add_post("Пост")
    big = "я" * 1_000_000
    odd = "ab\u200b\u200fשלום\ud800x"
    fake.add_comment(post.id, big)
    fake.add_comment(post.id, odd, attachments=[{"type": "sticker_pack", "sticker_pack": {}}])
    messages, _, _ = drain(vk_connector(fake))
    texts = {m.text[:3] for m in messages}
    assert len(messages) == 2 and "яяя" in texts
    odd_message = next(m for m in messages if m.text.startswith("ab"))
    assert odd_message.attachments[0].type == "other"


def test_the_rate_limit_spaces_calls_per_key(fake):
    import time

    connector = vk_connector(fake)
    connector.rates = {"user": 20.0, "service": 20.0, "group": 20.0}
    started = time.monotonic()
    for _ in range(30):
        connector.api("groups.getById", "service", group_id=fake.group_id)
    assert time.monotonic() - started >= 0.45  # 20 at once, then 10 more at 20/s


def test_a_retried_delivery_does_not_upload_its_video_again(fake):
    post = fake.add_post("Пост")
    connector = vk_connector(fake)
    journal: list[list[str]] = []
    reply = Reply(
        f"wall-{fake.group_id}_{post.id}", "Вот как идёт ремонт.", "otklik-pub-r",
        files=[OutgoingFile("remont.mp4", b"\x00\x00\x00\x18ftypmp42 video", "video/mp4"),
               OutgoingFile("yama.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")],
        parts=[], save_parts=journal.append,
    )  # fmt: skip
    fake.faults.schedule("api_error", op="wall.createComment", code=212)
    with pytest.raises(ConnectorError):
        connector.publish(reply)
    assert len(fake.videos) == 1 and fake.published == []
    [video_ref] = [p for p in journal[-1] if p.startswith("video")]
    reply.parts = journal[-1]  # as the publication keeps it for the next attempt
    connector.publish(reply)
    assert len(fake.videos) == 1  # the same video, not a spare copy
    [created] = fake.published
    assert [a["type"] for a in created.attachments] == ["video", "photo"]
    assert f"video{created.attachments[0]['video']['owner_id']}_{created.attachments[0]['video']['id']}" == video_ref
