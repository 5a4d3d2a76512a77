"""Generating the §23 monthly report: frozen in the archive, signed by the coordinator, sent to the Head.

§23 «не позднее 5 числа»: the report of a month is made on the 1st (calendar day) and goes to
the coordinator (the official who organizes the work) for a comment and sign-off; signing
sends it to the Head. On the 5th a report nobody signed goes to the Head by itself, marked so.

The notification carries the link (the bell) and, by e-mail and Telegram, the document itself:
:func:`report_files` rebuilds the PDF and XLSX from the frozen archive row at every delivery
attempt (registered as the ``monthly_report`` attachment source in ``ReportsConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from otklik.directory.models import Membership, Municipality, Role
from otklik.notify import attachments
from otklik.reports import exports
from otklik.reports.models import MonthlyReport, ReportDocument
from otklik.reports.queries import ViolationReport, violation_report

ATTACHMENT_SOURCE = "monthly_report"

log = logging.getLogger(__name__)


def previous_month(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def _first_member(municipality: Municipality, role: str) -> Membership | None:
    return Membership.objects.filter(municipality=municipality, role=role).select_related("user").order_by("pk").first()


def signer(municipality: Municipality) -> dict[str, str]:
    """The official who signs the report (§23: the coordinator, a deputy head)."""
    m = _first_member(municipality, Role.COORDINATOR)
    if m is None:
        return {"position": "Заместитель главы", "name": ""}
    return {"position": "Заместитель главы", "name": _initials(m.user)}


def _initials(user: Any) -> str:
    initials = "".join(f"{p[0]}." for p in [user.first_name] if p)
    return f"{initials} {user.last_name}".strip() or user.username


def addressee(municipality: Municipality) -> dict[str, str]:
    """Whom the report is addressed to (§23: the Head of the municipality)."""
    m = _first_member(municipality, Role.HEAD)
    return {
        "position": f"Главе муниципального образования «{municipality.name}»",
        "name": _initials(m.user) if m is not None else "",
    }


def authority(municipality: Municipality) -> str:
    """The header of the document: the administration's full name."""
    admin = municipality.administration()
    return admin.name if admin else f"Администрация: {municipality.name}"


def archived_row(municipality: Municipality, year: int, month: int) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(municipality=municipality, month=dt.date(year, month, 1)).first()


def month_report(
    municipality: Municipality, year: int, month: int, *, live: bool = False
) -> tuple[ViolationReport, MonthlyReport | None]:
    """The month's report for pages and the API: the archived one as it was sent (with its
    archive row), or — when there is none, or ``live`` is asked — computed now (row None)."""
    row = None if live else archived_row(municipality, year, month)
    if row is not None:
        return ViolationReport.from_json(row.data), row
    return violation_report(municipality, year, month), None


def violations_pdf(
    municipality: Municipality,
    report: ViolationReport,
    row: MonthlyReport | None,
    progress: Callable[[int, str], None] | None = None,
) -> bytes:
    """The PDF of ``report``: an archived one exactly as sent (its date and its letterhead —
    the administration and the official as they were), a live one as of today."""
    letterhead = (row.letterhead or {}) if row is not None else {}  # archived before letterheads: today's
    if row is not None:
        day = timezone.localtime(row.generated_at, municipality.tzinfo).date()  # made and sent, not reprinted
    else:
        day = timezone.localtime(timezone.now(), municipality.tzinfo).date()
    return exports.violations_pdf(
        report,
        authority=letterhead.get("authority") or authority(municipality),
        signer=letterhead.get("signer") or signer(municipality),
        addressee=letterhead.get("addressee") or addressee(municipality),
        date_label=exports.russian_date(day),
        progress=progress,
    )


def violations_file(
    municipality: Municipality,
    report: ViolationReport,
    row: MonthlyReport | None,
    fmt: str,
    progress: Callable[[int, str], None] | None = None,
) -> tuple[bytes, str, str]:
    """The month's report as a file (``fmt`` ``pdf`` or ``xlsx``): content, MIME type and a
    safe ASCII name (``narusheniya-2026-10-georgievsk.pdf``) — for the pages, the API and the
    documents mailed with the notification alike."""
    if fmt == "xlsx":
        content, mimetype = exports.violations_xlsx(report, settings.SITE_URL), exports.XLSX
    else:
        content, mimetype = violations_pdf(municipality, report, row, progress), exports.PDF
    return content, mimetype, attachments.ascii_name("нарушения", report.key, municipality.slug, ext=fmt)


def report_files(key: str) -> list[attachments.Attachment]:
    """The attachment source ``monthly_report:<pk>``: PDF (also to Telegram) and XLSX (e-mail only)."""
    row = MonthlyReport.objects.select_related("municipality").filter(pk=int(key) if key.isdigit() else 0).first()
    if row is None:
        raise attachments.AttachmentGone(f"отчёт {key} удалён из архива")
    report = ViolationReport.from_json(row.data)
    pdf = violations_file(row.municipality, report, row, "pdf")
    xlsx = violations_file(row.municipality, report, row, "xlsx")
    return [
        attachments.Attachment(pdf[2], pdf[0], pdf[1]),
        attachments.Attachment(xlsx[2], xlsx[0], xlsx[1], telegram=False),
    ]


SEND_BY_DAY = 5  # §23: to the Head no later than the 5th
AUTO_NOTE = "Направлен автоматически {day}: координатор не подписал отчёт до 5-го числа (п. 23)."


class SignOffError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def send_by(row: MonthlyReport) -> dt.date:
    """The 5th of the month after the report's month (January's report of December included)."""
    year, month = (row.month.year + 1, 1) if row.month.month == 12 else (row.month.year, row.month.month + 1)
    return dt.date(year, month, SEND_BY_DAY)


def generate(
    municipality: Municipality, year: int, month: int, *, now: dt.datetime | None = None
) -> MonthlyReport | None:
    """Freeze the report of ``year-month`` and send it to the coordinator to sign (once)."""
    now = now or timezone.now()
    if MonthlyReport.objects.filter(municipality=municipality, month=dt.date(year, month, 1)).exists():
        return None
    report = violation_report(municipality, year, month, as_of=now)
    try:
        with transaction.atomic():
            row = MonthlyReport.objects.create(
                municipality=municipality,
                month=dt.date(year, month, 1),
                generated_at=now,
                data=report.to_json(),
                violations=len(report.rows),
                letterhead={
                    "authority": authority(municipality),
                    "signer": signer(municipality),
                    "addressee": addressee(municipality),
                },
            )
    except IntegrityError:  # another consumer was first
        return None
    by = send_by(row).strftime("%d.%m.%Y")
    _notify(
        row,
        report,
        [Role.COORDINATOR],
        kind="monthly_report_review",
        title=f"Отчёт о нарушениях за {report.period} (п. 23): прокомментируйте и подпишите до {by}",
        note=f"Подписанный отчёт будет направлен Главе; не подписанный — {by} автоматически.",
        now=now,
    )
    return row


def _summary(report: ViolationReport) -> str:
    total = report.total
    return (
        f"Сроков за месяц: {total.total}; нарушено: {total.violations} "
        f"(выполнено с опозданием: {total.late_met}, не выполнено: {total.never_met}); "
        f"в срок: {total.on_time_percent}."
    )


def _notify(
    row: MonthlyReport, report: ViolationReport, roles: list[str], *, kind: str, title: str, note: str, now: dt.datetime
) -> None:
    from otklik.notify import services as notify
    from otklik.notify.handlers import users_with_roles

    municipality = row.municipality
    # The bell keeps the link; e-mail and Telegram also carry the document, rebuilt from this
    # frozen row at every attempt (nothing recomputed, nothing held in the queue).
    notify.notify(
        users_with_roles(municipality.pk, roles),
        kind=kind,
        title=title,
        body="\n".join(p for p in (_summary(report), note, "Выгрузка: PDF и XLSX на странице отчёта.") if p),
        url=f"/reports/violations/{row.key}/?municipality={municipality.slug}",
        dedupe_key=f"{kind}:{municipality.pk}:{row.key}",
        municipality=municipality,
        attachment_ref=attachments.ref(ATTACHMENT_SOURCE, row.pk),
        now=now,
    )


def _send_to_head(row: MonthlyReport, now: dt.datetime, *, auto: bool) -> None:
    report = ViolationReport.from_json(row.data)
    day = timezone.localtime(now, row.municipality.tzinfo).strftime("%d.%m.%Y")
    signer_block = dict((row.letterhead or {}).get("signer") or signer(row.municipality))
    if row.comment:
        signer_block["comment"] = row.comment
    if auto:
        signer_block["auto"] = AUTO_NOTE.format(day=day)
    row.letterhead = {**(row.letterhead or {}), "signer": signer_block}
    row.sent_at = now
    row.sent_automatically = auto
    row.save(update_fields=["letterhead", "sent_at", "sent_automatically"])
    if auto:
        note = AUTO_NOTE.format(day=day)
    else:
        who = row.signed_by.get_full_name() or row.signed_by.username if row.signed_by else ""
        note = f"Подписал: {who}, {timezone.localtime(row.signed_at or now, row.municipality.tzinfo):%d.%m.%Y %H:%M}."
    if row.comment:
        note += f"\nКомментарий координатора: {row.comment}"
    _notify(
        row, report, [Role.HEAD], kind="monthly_report", title=f"Отчёт о нарушениях за {report.period} (п. 23)",
        note=note, now=now,
    )  # fmt: skip


def sign_report(row: MonthlyReport, *, user: Any, comment: str = "", now: dt.datetime | None = None) -> MonthlyReport:
    """The coordinator comments and signs; the report goes to the Head at once."""
    now = now or timezone.now()
    with transaction.atomic():
        fresh = MonthlyReport.objects.select_for_update().select_related("municipality").get(pk=row.pk)
        is_coordinator = (
            getattr(user, "pk", None) is not None
            and Membership.objects.filter(
                user_id=user.pk, municipality_id=fresh.municipality_id, role=Role.COORDINATOR
            ).exists()
        )
        if not is_coordinator:
            raise SignOffError("Подписывает отчёт координатор (заместитель главы) этого муниципального образования.")
        if fresh.sent_at is not None:
            raise SignOffError("Отчёт уже направлен Главе.")
        fresh.comment = (comment or "").strip()[:4000]
        fresh.signed_by = user
        fresh.signed_at = now
        fresh.save(update_fields=["comment", "signed_by", "signed_at"])
        _send_to_head(fresh, now, auto=False)
    return fresh


def send_overdue(now: dt.datetime | None = None) -> list[MonthlyReport]:
    """On the 5th: every report nobody signed goes to the Head, marked as sent automatically."""
    now = now or timezone.now()
    sent = []
    for row in MonthlyReport.objects.filter(sent_at__isnull=True).select_related("municipality"):
        if timezone.localtime(now, row.municipality.tzinfo).date() < send_by(row):
            continue
        with transaction.atomic():
            fresh = MonthlyReport.objects.select_for_update().select_related("municipality").get(pk=row.pk)
            if fresh.sent_at is not None:
                continue
            _send_to_head(fresh, now, auto=True)
        sent.append(fresh)
    return sent


def generate_due(now: dt.datetime | None = None) -> list[MonthlyReport]:
    """For each municipality: from the 1st of a month (a calendar day, holiday or not), last month's
    report; then whatever is still unsigned on the 5th goes to the Head (:func:`send_overdue`)."""
    now = now or timezone.now()
    made = []
    for municipality in Municipality.objects.filter(is_active=True):
        today = timezone.localtime(now, municipality.tzinfo).date()
        year, month = previous_month(today)
        row = generate(municipality, year, month, now=now)
        if row is not None:
            log.info("monthly report %s %s: %s violations", municipality.slug, row.key, row.violations)
            made.append(row)
    for row in send_overdue(now):
        log.info("monthly report %s %s sent to the Head unsigned", row.municipality.slug, row.key)
    return made


# --- documents made by the worker ---------------------------------------------------------------


def request_pdf(
    municipality: Municipality, year: int, month: int, row: MonthlyReport | None, user: Any
) -> ReportDocument:
    """The PDF of a month, made by the worker: an archived month's document is made once and
    served again; a live one is made anew, as of when the worker gets to it."""
    from otklik.reports.tasks import build_document

    if row is not None:
        done = ReportDocument.objects.filter(archive=row).exclude(state=ReportDocument.State.FAILED).order_by("-pk")
        existing = done.first()
        if existing is not None:
            return existing
    doc = ReportDocument.objects.create(
        municipality=municipality,
        month=dt.date(year, month, 1),
        archive=row,
        requested_by=user if getattr(user, "pk", None) else None,
        requested_at=timezone.now(),
        step="В очереди",
    )
    transaction.on_commit(lambda: build_document(doc.pk))
    return doc


def build(doc_id: int) -> None:
    """The worker's job: the report (from the archive, or computed now), then the PDF, reporting
    each step on the document's row so the page can show the progress."""
    doc = ReportDocument.objects.select_related("municipality", "archive").get(pk=doc_id)
    if doc.state == ReportDocument.State.READY:
        return

    def progress(percent: int, step: str) -> None:
        ReportDocument.objects.filter(pk=doc.pk).update(state=ReportDocument.State.RUNNING, progress=percent, step=step)

    try:
        progress(5, "Сбор данных")
        municipality, row = doc.municipality, doc.archive
        if row is not None:
            report = ViolationReport.from_json(row.data)
        else:
            report = violation_report(municipality, doc.month.year, doc.month.month)
        content, _mimetype, name = violations_file(municipality, report, row, "pdf", progress=progress)
    except Exception as exc:
        log.exception("report document %s failed", doc.pk)
        ReportDocument.objects.filter(pk=doc.pk).update(
            state=ReportDocument.State.FAILED, step="Ошибка", error=str(exc)[:2000]
        )
        raise
    ReportDocument.objects.filter(pk=doc.pk).update(
        state=ReportDocument.State.READY, progress=100, step="Готов", content=content, filename=name
    )


def forget_live_documents(now: dt.datetime | None = None) -> int:
    """Live documents are made for one request: a day later they go (archived months' stay)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=1)
    deleted, _ = ReportDocument.objects.filter(archive__isnull=True, requested_at__lt=cutoff).delete()
    return deleted
