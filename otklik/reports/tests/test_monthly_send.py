"""§23: the coordinator signs, the Head gets the document itself — PDF and XLSX by e-mail, the PDF in Telegram — over real SMTP and HTTP."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from email.message import EmailMessage

from django.conf import settings
from openpyxl import load_workbook

from otklik.cases.models import Deadline
from otklik.cases.tests.helpers import msk
from otklik.notify import services, telegram
from otklik.notify.models import MAX_ATTEMPTS, Delivery, Notification
from otklik.notify.tests.conftest import link
from otklik.reports.models import MonthlyReport
from otklik.reports.services import generate_due, sign_report

AT = msk(2026, 6, 1, 9, 0)  # Monday, the first working day of June
LINK = "/reports/violations/2026-05/?municipality=georgievsk"
PDF_NAME = "narusheniya-2026-05-georgievsk.pdf"
XLSX_NAME = "narusheniya-2026-05-georgievsk.xlsx"
HEADER = "АДМИНИСТРАЦИЯ ГЕОРГИЕВСКОГО ГОРОДСКОГО ОКРУГА"


def made_and_signed(cast, t):  # type: ignore[no-untyped-def]
    """Made on the 1st and signed by the coordinator at once: it goes to the Head (§23)."""
    generate_due(t)
    sign_report(MonthlyReport.objects.get(municipality=cast.municipality), user=cast.coordinator, now=t)


def pdf_text(content: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def mail_to(smtp, address: str) -> EmailMessage:  # type: ignore[no-untyped-def]
    [mail] = [m for m in smtp.messages if m["To"] == address and "Отчёт о нарушениях" in m["Subject"]]
    return mail  # type: ignore[no-any-return]


def files_of(mail: EmailMessage) -> dict[str, EmailMessage]:
    return {str(part.get_filename()): part for part in mail.iter_attachments()}  # type: ignore[misc]


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_the_head_gets_the_frozen_report_as_pdf_and_xlsx_by_email(cast, may, smtp, tmp_path):
    made_and_signed(cast, AT)
    # The month changes after the report was made: what is sent is the archived report, as made.
    Deadline.objects.filter(pk=may.r3.pk).update(closed_at=msk(2026, 6, 1, 9, 0), outcome="met")
    assert services.send_due(AT)["sent"] == 2
    mail = mail_to(smtp, "head@example.org")
    files = files_of(mail)
    assert sorted(files) == [PDF_NAME, XLSX_NAME]
    assert files[PDF_NAME].get_content_type() == "application/pdf"
    assert files[XLSX_NAME].get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    text = pdf_text(files[PDF_NAME].get_content(), tmp_path)
    for expected in (HEADER, "ОТЧЁТ", "за май 2026 г.", "«01» июня 2026 г.", "не выполнено", "153 ч 00 мин", "Итого"):
        assert expected in text, expected
    sheet = load_workbook(io.BytesIO(files[XLSX_NAME].get_content()))["Нарушения"]
    assert [r[10] for r in sheet.iter_rows(min_row=5, values_only=True)] == ["10 мин", "45 мин", "149 ч 00 мин"]
    body = text_of(mail)
    assert f"Во вложении: {PDF_NAME}, {XLSX_NAME}." in body and settings.SITE_URL + LINK in body
    assert Notification.objects.get(user=cast.head, kind="monthly_report").url == LINK  # the bell keeps the link


def test_the_head_gets_the_pdf_in_telegram_after_the_text(cast, may, bot, tmp_path):
    link(cast.head, "7001")
    made_and_signed(cast, AT)
    services.send_due(AT)
    [message] = [m for m in bot.sent if m["chat"]["id"] == "7001"]
    assert settings.SITE_URL + LINK in message["text"] and f"Следующим сообщением: {PDF_NAME}." in message["text"]
    [document] = bot.documents
    assert (document["chat_id"], document["file_name"], document["mime_type"]) == ("7001", PDF_NAME, "application/pdf")
    assert document["caption"] == "Отчёт о нарушениях за май 2026 г. (п. 23)"
    assert HEADER in pdf_text(document["content"], tmp_path)
    assert [op for op, _path in bot.requests] == ["sendMessage", "sendDocument"]
    assert Delivery.objects.get(channel="telegram").status == "sent"


def test_a_failing_smtp_then_succeeding_still_delivers_the_attachment(cast, may, smtp, tmp_path):
    made_and_signed(cast, AT)
    smtp.fail_next(2)  # the coordinator's and the Head's e-mails
    assert services.send_due(AT) == {"sent": 0, "retry": 2, "failed": 0}
    waiting = Delivery.objects.filter(notification__kind="monthly_report")
    assert smtp.messages == [] and all(d.attempts == 1 and "451" in d.last_error for d in waiting)
    assert services.send_due(AT + dt.timedelta(minutes=1)) == {"sent": 2, "retry": 0, "failed": 0}
    for address in ("head@example.org", "coordinator@example.org"):
        files = files_of(mail_to(smtp, address))
        assert sorted(files) == [PDF_NAME, XLSX_NAME]
        assert HEADER in pdf_text(files[PDF_NAME].get_content(), tmp_path)


def test_a_failed_upload_is_retried_without_repeating_the_text(cast, may, bot):
    link(cast.head, "7002")
    bot.faults.schedule("http_500", op="sendDocument")
    made_and_signed(cast, AT)
    services.send_due(AT)
    tg = Delivery.objects.get(channel="telegram")
    assert (tg.status, tg.attempts, tg.parts_sent) == ("pending", 1, 1) and bot.documents == []
    services.send_due(tg.next_attempt_at)
    tg.refresh_from_db()
    assert tg.status == "sent" and len(bot.sent) == 1 and [d["file_name"] for d in bot.documents] == [PDF_NAME]


def test_a_blocked_bot_is_recorded_as_failed_not_dropped(cast, may, bot, admin_client):
    link(cast.head, "7003")
    bot.block("7003")
    made_and_signed(cast, AT)
    t = AT
    for _ in range(MAX_ATTEMPTS):
        services.send_due(t)
        tg = Delivery.objects.get(channel="telegram")
        t = tg.next_attempt_at
    assert (tg.status, tg.attempts) == ("failed", MAX_ATTEMPTS) and "403" in tg.last_error
    assert "blocked" in tg.last_error and bot.documents == []
    assert Delivery.objects.get(channel="email", notification__user=cast.head).status == "sent"
    page = admin_client.get("/admin/notify/delivery/?status__exact=failed").content.decode()
    assert "Отчёт о нарушениях за май 2026 г. (п. 23)" in page and "7003" in page


def test_too_large_for_an_email_it_sends_the_link_only(cast, may, smtp, settings):
    settings.OTKLIK_MAIL_MAX_ATTACHMENT_BYTES = 1000
    made_and_signed(cast, AT)
    services.send_due(AT)
    mail = mail_to(smtp, "head@example.org")
    body = text_of(mail)
    assert files_of(mail) == {}
    assert "Не приложено из-за размера (предел вложений письма — 1 КБ):" in body and f"{PDF_NAME} (" in body
    assert "Документ доступен по ссылке ниже." in body and body.rstrip().endswith(settings.SITE_URL + LINK)


def test_too_large_for_telegram_it_sends_the_link_only(cast, may, bot, monkeypatch):
    monkeypatch.setattr(telegram, "MAX_DOCUMENT_BYTES", 1000)
    link(cast.head, "7004")
    made_and_signed(cast, AT)
    services.send_due(AT)
    [message] = bot.sent
    assert f"Файл {PDF_NAME} (" in message["text"] and "больше предела Telegram для ботов (1 КБ)" in message["text"]
    assert settings.SITE_URL + LINK in message["text"] and bot.documents == []
    assert Delivery.objects.get(channel="telegram").status == "sent"


def test_at_night_it_waits_for_the_morning_and_goes_apart_from_the_digest(cast, may, smtp):
    night = msk(2026, 6, 1, 0, 7)  # the hourly job runs on the first working day before working time
    made_and_signed(cast, night)
    for key in ("a", "b"):
        services.notify([cast.head], kind="case_routed", title=f"Новое обращение {key}", url="/cases/1/",
                        dedupe_key=key, municipality=cast.municipality, now=night)  # fmt: skip
    assert services.send_due(night)["sent"] == 0
    waiting = Delivery.objects.filter(notification__user=cast.head).values_list("next_attempt_at", flat=True)
    assert set(waiting) == {AT}
    services.send_due(AT)
    to_head = sorted((m for m in smtp.messages if m["To"] == "head@example.org"), key=lambda m: "п. 23" in m["Subject"])
    assert [str(m["Subject"]).strip() for m in to_head] == [
        "Отклик: 2 уведомлений",
        "Отклик: Отчёт о нарушениях за май 2026 г. (п. 23)",
    ]
    assert list(files_of(to_head[0])) == [] and sorted(files_of(to_head[1])) == [PDF_NAME, XLSX_NAME]


def test_a_report_gone_from_the_archive_goes_as_a_link(cast, may, smtp):
    made_and_signed(cast, AT)
    MonthlyReport.objects.all().delete()
    assert services.send_due(AT)["sent"] == 2
    mail = mail_to(smtp, "head@example.org")
    assert files_of(mail) == {} and "Файлы недоступны — откройте документ по ссылке ниже." in text_of(mail)


def test_the_archive_page_gives_the_pdf_that_was_sent(cast, may, client, tmp_path, get_pdf):
    """Downloaded later from /reports/violations/, the archived report is the sent document
    (its date is the day it was made), not a reprint dated today."""
    made_and_signed(cast, AT)
    client.force_login(cast.coordinator)
    later = msk(2026, 7, 15, 12, 0)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        response = get_pdf(client, "/reports/violations/2026-05/?format=pdf&municipality=georgievsk")
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "«01» июня 2026 г." in text and "июля 2026" not in text
    assert response.content[:5] == b"%PDF-"


def test_a_reprint_keeps_the_letterhead_it_was_sent_with(cast, may, client, tmp_path, get_pdf):
    made_and_signed(cast, AT)
    cast.coordinator.last_name = "Новиков"  # the deputy head changed after the report was sent
    cast.coordinator.save()
    client.force_login(cast.head)
    response = get_pdf(client, "/reports/violations/2026-05/?format=pdf&municipality=georgievsk")
    text = pdf_text(response.content, tmp_path)
    assert "Логинов" in text and "Новиков" not in text
    live = get_pdf(client, "/reports/violations/2026-05/?format=pdf&municipality=georgievsk&live=1")
    assert "Новиков" in pdf_text(live.content, tmp_path)  # a live report is signed by today's official
