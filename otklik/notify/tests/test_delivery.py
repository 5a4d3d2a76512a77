"""Channels, quiet hours, digests, retries with backoff and the failures page."""

from __future__ import annotations

import datetime as dt

from otklik.cases.tests.helpers import Clock, msk
from otklik.notify import services
from otklik.notify.models import MAX_ATTEMPTS, Delivery, Notification, NotifySettings
from otklik.notify.tests.conftest import link


def _notify(cast, user, key: str, at: dt.datetime, **kw):  # type: ignore[no-untyped-def]
    return services.notify(
        [user],
        kind="case_routed",
        title=f"Новое обращение {key}",
        url="/cases/1/",
        dedupe_key=key,
        municipality=cast.municipality,
        now=at,
        **kw,
    )


def test_in_working_time_it_goes_at_once(cast, smtp):
    at = msk(2026, 11, 30, 11, 0)
    with Clock(at):
        _notify(cast, cast.roads, "a", at)
        assert services.send_due(at)["sent"] == 1
    assert smtp.messages[0]["To"] == "roads@example.org"


def test_quiet_hours_hold_until_the_next_working_morning_as_one_digest(cast, smtp):
    evening = msk(2026, 11, 27, 19, 30)  # Friday evening
    with Clock(evening):
        _notify(cast, cast.roads, "a", evening)
        _notify(cast, cast.roads, "b", evening + dt.timedelta(hours=30))  # Sunday
    assert Notification.objects.filter(user=cast.roads).count() == 2  # the bell has them at once
    waiting = Delivery.objects.filter(status="pending")
    assert {d.next_attempt_at for d in waiting} == {msk(2026, 11, 30, 9, 0)}
    assert services.send_due(msk(2026, 11, 29, 23, 59))["sent"] == 0
    assert smtp.messages == []
    assert services.send_due(msk(2026, 11, 30, 9, 0))["sent"] == 2
    assert len(smtp.messages) == 1 and "2 уведомлений" in smtp.messages[0]["Subject"]
    body = smtp.messages[0].get_content()
    assert "Новое обращение a" in body and "Новое обращение b" in body


def test_quiet_hours_follow_the_holidays(cast, smtp):
    eve = msk(2026, 11, 3, 17, 30)  # shortened pre-holiday day ends at 17:00; 4 November is a holiday
    _notify(cast, cast.roads, "a", eve)
    assert Delivery.objects.get().next_attempt_at == msk(2026, 11, 5, 9, 0)


def test_urgent_ignores_quiet_hours(cast, smtp):
    night = msk(2026, 11, 29, 3, 0)
    _notify(cast, cast.head, "x", night, urgent=True)
    assert Delivery.objects.get().next_attempt_at == night


def test_channels_follow_preferences(cast, bot):
    link(cast.roads, "77")
    NotifySettings.objects.filter(user=cast.roads).update(email_enabled=False)
    _notify(cast, cast.roads, "a", msk(2026, 11, 30, 10, 0))
    assert list(Delivery.objects.values_list("channel", "address")) == [("telegram", "77")]


def test_unreachable_smtp_is_retried_with_backoff_then_shown_as_failed(cast, dead_smtp, admin_client):
    at = msk(2026, 11, 30, 10, 0)
    _notify(cast, cast.roads, "a", at)
    t = at
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert services.send_due(t)["sent"] == 0
        d = Delivery.objects.get()
        assert d.attempts == attempt and "Connection" in d.last_error
        if attempt < MAX_ATTEMPTS:
            assert d.status == "pending" and d.next_attempt_at - t == min(
                dt.timedelta(minutes=2 ** (attempt - 1)), dt.timedelta(hours=1)
            )
            assert services.send_due(d.next_attempt_at - dt.timedelta(seconds=1))["retry"] == 0  # not before
            t = d.next_attempt_at
    assert Delivery.objects.get().status == "failed"
    page = admin_client.get("/admin/notify/delivery/?status__exact=failed")
    assert page.status_code == 200 and "roads@example.org" in page.content.decode()
    services.retry_now(Delivery.objects.all())
    assert Delivery.objects.get().status == "pending"


def test_a_blocked_bot_is_recorded(cast, bot):
    link(cast.roads, "66")
    bot.block("66")
    at = msk(2026, 11, 30, 10, 0)
    _notify(cast, cast.roads, "a", at)
    services.send_due(at)
    tg = Delivery.objects.get(channel="telegram")
    assert tg.status == "pending" and tg.attempts == 1 and "403" in tg.last_error and "blocked" in tg.last_error


def test_telegram_linking_by_one_time_code(cast, bot):
    code = services.new_link_code(cast.roads)
    bot.user_writes(9001, f"/start {code}")
    bot.user_writes(9002, "/start 12345678")  # a wrong code
    assert services.poll_bot() == 1
    prefs = NotifySettings.objects.get(user=cast.roads)
    assert prefs.telegram_chat_id == "9001" and prefs.link_code == ""
    assert [m["chat"]["id"] for m in bot.sent] == ["9001", "9002"]  # confirmation and refusal
    bot.user_writes(9003, f"/start {code}")  # the code is used up
    assert services.poll_bot() == 0
    assert services.poll_bot() == 0  # the cursor moved on: nothing is read twice
