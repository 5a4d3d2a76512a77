"""Issue 19 item 3, issue 18 §2: a delivery killed mid-post is reconciled by the sweep, per
network, and nothing stays pending forever.

"Killed" is a ``BaseException`` raised inside the delivery (nothing on the way catches it),
so the attempt stays open and the lease stays taken, as a dead worker leaves them.
"""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.models import CaseEvent, Post, Publication
from otklik.cases.tests.helpers import Clock, msk
from otklik.connectors.base import AccountRef, RateLimiter, RetryPolicy
from otklik.connectors.collect import collect_account
from otklik.connectors.ok.connector import OkConnector
from otklik.connectors.ok.fake import FakeOk
from otklik.connectors.publish import deliver_publication, sweep_publications
from otklik.connectors.telegram.connector import TelegramConnector
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import FAST, vk_connector

pytestmark = pytest.mark.django_db

T0 = msk(2025, 3, 3, 10, 0)
ONCE = RetryPolicy(attempts=1, base_delay=0.001, max_delay=0.001)


class Killed(BaseException):
    """Stands for SIGKILL."""


@pytest.fixture
def clock():
    with Clock(T0) as c:
        yield c


def pending_answer(cast, account, connector, *, text="Техника выйдет сегодня.", files=()):
    collect_account(account, connector=connector)
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text=text, acting_user=cast.roads)
    if files:
        case.drafts.filter().update(attachments=list(files))
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    return actions.do_publish_answer(case, account=account, acting_user=cast.specialist).publications.get()


def die_after_posting(connector):
    real = connector.publish

    def publish(reply):  # type: ignore[no-untyped-def]
        real(reply)
        raise Killed

    connector.publish = publish
    return connector


def kill(publication, connector):
    with pytest.raises(Killed):
        deliver_publication(publication.pk, connector=connector)
    publication.refresh_from_db()
    assert publication.status == "pending" and publication.lease_until is not None


# -- VK -------------------------------------------------------------------------------


def test_vk_a_delivery_killed_after_posting_is_found_not_posted_again(cast, vk_account, fake_vk, clock):
    fake_vk.add_comment(fake_vk.add_post("Пост").id, "Когда уберут снег?")
    publication = pending_answer(cast, vk_account, vk_connector(fake_vk))
    kill(publication, die_after_posting(vk_connector(fake_vk)))

    assert sweep_publications(make_connector=lambda p: vk_connector(fake_vk)) == {}  # the lease is still open
    clock.advance(minutes=4)
    assert sweep_publications(make_connector=lambda p: vk_connector(fake_vk)) == {str(publication.pk): "found"}

    publication.refresh_from_db()
    [comment] = fake_vk.published
    assert publication.status == "published" and publication.external_id.endswith(f"_{comment.id}")


def test_vk_a_lost_delivery_job_is_delivered_by_the_sweep(cast, vk_account, fake_vk, clock):
    fake_vk.add_comment(fake_vk.add_post("Пост").id, "Когда уберут снег?")
    publication = pending_answer(cast, vk_account, vk_connector(fake_vk))  # the job never ran
    clock.advance(minutes=3)
    assert sweep_publications(make_connector=lambda p: vk_connector(fake_vk)) == {str(publication.pk): "published"}
    assert len(fake_vk.published) == 1


def test_vk_an_answer_never_confirmed_fails_with_its_reason(cast, vk_account, fake_vk, clock):
    fake_vk.add_comment(fake_vk.add_post("Пост").id, "Когда уберут снег?")
    publication = pending_answer(cast, vk_account, vk_connector(fake_vk))
    fake_vk.faults.randomly(1.0, ("http_500",))  # the network is down from now on
    for _ in range(17):
        clock.advance(minutes=1)
        sweep_publications(make_connector=lambda p: vk_connector(fake_vk, policy=ONCE))

    publication.refresh_from_db()
    assert publication.status == "failed" and "проверьте вручную" in publication.error
    assert fake_vk.published == []
    event = CaseEvent.objects.get(kind="publication_failed")
    assert event.case_id == publication.case_id and event.actor is None


# -- OK -------------------------------------------------------------------------------


@pytest.fixture
def fake_ok():
    fake = FakeOk(seed=3).start()
    fake.add_token("t")
    yield fake
    fake.stop()


def ok_connector(fake):  # type: ignore[no-untyped-def]
    RateLimiter.reset()
    creds = {
        "application_key": fake.application_key,
        "application_secret_key": fake.application_secret_key,
        "access_token": "t",
    }
    ref = AccountRef(key=f"ok-{fake.port}", network="ok", external_id=fake.group_id, credentials=creds)
    c = OkConnector(ref, base_url=fake.base_url, policy=FAST, sleep=lambda s: None)
    c.rate_per_second = 0
    return c


def test_ok_a_delivery_killed_after_posting_is_found_not_posted_again(cast, fake_ok, clock):
    topic = fake_ok.add_topic("Тема")
    fake_ok.add_comment(topic.id, "Когда починят лифт?")
    account = cast.vk_account
    account.network, account.url, account.external_id = "ok", "https://ok.ru/group/1", fake_ok.group_id
    account.save()
    publication = pending_answer(cast, account, ok_connector(fake_ok))
    kill(publication, die_after_posting(ok_connector(fake_ok)))

    clock.advance(minutes=4)
    assert sweep_publications(make_connector=lambda p: ok_connector(fake_ok)) == {str(publication.pk): "found"}
    publication.refresh_from_db()
    assert publication.status == "published" and len(fake_ok.published) == 1


# -- Telegram -------------------------------------------------------------------------


@pytest.fixture
def fake_tg():
    fake = FakeTelegram(seed=4).start()
    fake.add_token("1:t")
    yield fake
    fake.stop()


def tg_connector(fake):  # type: ignore[no-untyped-def]
    RateLimiter.reset()
    creds = {"bot_token": "1:t", "discussion_chat_id": fake.group["id"]}
    ref = AccountRef(key=f"tg-{fake.port}", network="telegram", external_id=str(fake.channel["id"]), credentials=creds)
    c = TelegramConnector(ref, base_url=fake.base_url, policy=FAST, sleep=lambda s: None, timeout=2.0)
    c.rate_per_second = c.send_rate_per_second = 0
    return c


@pytest.fixture
def tg_album(cast, fake_tg, tmp_path, settings, clock):
    """A pending answer of two photos, to a comment in the channel's discussion group."""
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path)
    _, forward = fake_tg.post_to_channel("Пост")
    fake_tg.comment(forward, "Когда уберут снег?")
    account = cast.vk_account
    account.network, account.url, account.external_id = "telegram", "https://t.me/adm", str(fake_tg.channel["id"])
    account.save()
    files = []
    for name in ("a.jpg", "b.jpg"):
        path = default_storage.save(f"drafts/{name}", _content(b"\xff\xd8 jpeg"))
        files.append({"path": path, "name": name, "content_type": "image/jpeg"})
    return pending_answer(cast, account, tg_connector(fake_tg), files=files)


def _content(data: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.base import ContentFile

    return ContentFile(data)


def test_telegram_a_half_posted_album_is_finished_not_posted_again(cast, fake_tg, tg_album, clock):
    connector = tg_connector(fake_tg)
    real_publish = connector.publish

    def publish(reply):  # type: ignore[no-untyped-def]
        save, saves = reply.save_parts, []

        def save_parts(parts):  # type: ignore[no-untyped-def]
            saves.append(parts)
            if len(saves) == 3:
                raise Killed  # the first photo is posted and written down; dies before the second
            save(parts)

        reply.save_parts = save_parts
        return real_publish(reply)

    connector.publish = publish
    kill(tg_album, connector)
    assert len(fake_tg.published) == 1

    clock.advance(minutes=11)  # past Telegram's lease (10 min), before the confirm timeout
    assert sweep_publications(make_connector=lambda p: tg_connector(fake_tg)) == {str(tg_album.pk): "published"}
    tg_album.refresh_from_db()
    first, second = fake_tg.published
    assert [m.get("caption") or "" for m in (first, second)] == ["Техника выйдет сегодня.", ""]
    assert tg_album.status == "published" and tg_album.external_id.endswith(f"/{first['message_id']}")


def test_telegram_a_part_whose_fate_is_unknown_is_left_to_a_person(cast, fake_tg, tg_album, clock):
    connector = tg_connector(fake_tg)
    real_send = connector._send

    def send(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_send(*args, **kwargs)
        raise Killed  # the photo went out; its id was never written down

    connector._send = send
    kill(tg_album, connector)

    clock.advance(minutes=11)
    assert sweep_publications(make_connector=lambda p: tg_connector(fake_tg)) == {str(tg_album.pk): "unverifiable"}
    tg_album.refresh_from_db()
    assert tg_album.status == "failed" and "проверьте вручную" in tg_album.error
    assert len(fake_tg.published) == 1


def test_it_refuses_a_retry_while_a_delivery_holds_the_lease(cast, vk_account, fake_vk, clock):
    fake_vk.add_comment(fake_vk.add_post("Пост").id, "Когда уберут снег?")
    publication = pending_answer(cast, vk_account, vk_connector(fake_vk))
    kill(publication, die_after_posting(vk_connector(fake_vk)))
    with pytest.raises(Exception, match="отправляется"):
        actions.do_fail_publication(publication, error="Не вижу ответа", acting_user=cast.specialist)
    assert Publication.objects.get().status == "pending"
