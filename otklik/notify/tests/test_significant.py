"""§24: the Head and the coordinator get the report at once, on every channel, over real SMTP and HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from otklik.cases import actions
from otklik.cases.tests.helpers import Clock, detected_case, msk
from otklik.notify.models import Delivery, Notification
from otklik.notify.tasks import send_due_notifications
from otklik.notify.tests.conftest import link


@pytest.fixture
def flagged(cast, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def run(at: dt.datetime):  # type: ignore[no-untyped-def]
        with Clock(at) as clock, django_capture_on_commit_callbacks(execute=True):
            case = detected_case(cast, clock, at, text="Прорыв водопровода, затоплена школа №5")
            case = actions.do_route_case(case, [cast.water_org], acting_user=cast.specialist)
            return actions.do_flag_significant(case, reason="Угроза жизни детей", acting_user=cast.specialist)

    link(cast.head, "5001")
    link(cast.coordinator, "5002")
    return run


def test_it_reaches_smtp_and_telegram_at_once(cast, smtp, bot, flagged):
    case = flagged(msk(2026, 11, 30, 10, 0))
    reports = [m for m in smtp.messages if "п. 24" in m["Subject"]]
    assert sorted(m["To"] for m in reports) == ["coordinator@example.org", "head@example.org"]
    mail = reports[0]
    assert f"обращение №{case.pk}" in mail["Subject"]
    text = mail.get_content()
    assert "Прорыв водопровода" in text and "https://vk.com/wall-100001_1" in text
    assert "МУП «Водоканал»" in text and "Срок: размещение ответа (п. 16)" in text
    assert f"/cases/{case.pk}/" in text
    assert sorted(m["chat"]["id"] for m in bot.sent) == ["5001", "5002"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_it_goes_out_at_night_too(cast, smtp, bot, flagged):
    flagged(msk(2026, 11, 28, 23, 30))  # Saturday night
    assert len([m for m in smtp.messages if "п. 24" in m["Subject"]]) == 2 and len(bot.sent) == 2
    assert Notification.objects.filter(urgent=True, user=cast.head).exists()


def test_failed_channels_are_retried_by_the_next_sweep(cast, smtp, bot, flagged):
    bot.faults.schedule("http_500", op="sendMessage", times=2)
    flagged(msk(2026, 11, 30, 10, 0))
    waiting = Delivery.objects.filter(channel="telegram", status="pending")
    assert waiting.count() == 2 and all("500" in d.last_error or "JSON" in d.last_error for d in waiting)
    with Clock(msk(2026, 11, 30, 10, 2)):
        send_due_notifications.call_local()
    assert not Delivery.objects.exclude(status="sent").exists()
    assert sorted(m["chat"]["id"] for m in bot.sent) == ["5001", "5002"]


def test_the_event_handled_twice_reports_once(cast, smtp, bot, flagged, django_capture_on_commit_callbacks):
    from otklik.notify.handlers import on_case_flagged_significant

    case = flagged(msk(2026, 11, 30, 10, 0))
    on_case_flagged_significant({"case_id": case.pk})
    assert Notification.objects.filter(kind="case_flagged_significant").count() == 2
    assert len([m for m in smtp.messages if "п. 24" in m["Subject"]]) == 2
