"""Generating the §23 monthly report: frozen in the archive, sent to the coordinator and the Head.

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
from otklik.regulation.services import calendar_for
from otklik.reports import exports
from otklik.reports.models import MonthlyReport, ReportDocument
from otklik.reports.queries import ViolationReport, violation_report

ATTACHMENT_SOURCE = "monthly_report"

log = logging.getLogger(__name__)


def previous_month(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def first_working_day(municipality: Municipality, year: int, month: int) -> dt.date:
    calendar = calendar_for(municipality)
    day = dt.date(year, month, 1)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def signer(municipality: Municipality) -> dict[str, str]:
    """The official who signs the report (§23: the coordinator, a deputy head)."""
    m = (
        Membership.objects.filter(municipality=municipality, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if m is None:
        return {"position": "Заместитель главы", "name": ""}
    return {"position": "Заместитель главы", "name": _initials(m.user)}


def _initials(user: Any) -> str:
    initials = "".join(f"{p[0]}." for p in [user.first_name] if p)
    return f"{initials} {user.last_name}".strip() or user.username


def addressee(municipality: Municipality) -> dict[str, str]:
    """Whom the report is addressed to (§23: the Head of the municipality)."""
    m = (
        Membership.objects.filter(municipality=municipality, role=Role.HEAD)
        .select_related("user")
        .order_by("pk")
        .first()
    )
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


def generate(
    municipality: Municipality, year: int, month: int, *, now: dt.datetime | None = None
) -> MonthlyReport | None:
    """Freeze the report of ``year-month`` and notify the coordinator and the Head (once)."""
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
    _send(municipality, row, report, now)
    return row


def _send(municipality: Municipality, row: MonthlyReport, report: ViolationReport, now: dt.datetime) -> None:
    from otklik.notify import services as notify
    from otklik.notify.handlers import users_with_roles

    users = users_with_roles(municipality.pk, [Role.COORDINATOR, Role.HEAD])
    total = report.total
    body = (
        f"Сроков за месяц: {total.total}; нарушено: {total.violations} "
        f"(выполнено с опозданием: {total.late_met}, не выполнено: {total.never_met}); "
        f"в срок: {total.on_time_percent}.\nВыгрузка: PDF и XLSX на странице отчёта."
    )
    # The bell keeps the link; e-mail and Telegram also carry the document, rebuilt from this
    # frozen row at every attempt (nothing recomputed, nothing held in the queue).
    notify.notify(
        users,
        kind="monthly_report",
        title=f"Отчёт о нарушениях за {report.period} (п. 23)",
        body=body,
        url=f"/reports/violations/{row.key}/?municipality={municipality.slug}",
        dedupe_key=f"monthly_report:{municipality.pk}:{row.key}",
        municipality=municipality,
        attachment_ref=attachments.ref(ATTACHMENT_SOURCE, row.pk),
        now=now,
    )
    row.sent_at = now
    row.save(update_fields=["sent_at"])


def generate_due(now: dt.datetime | None = None) -> list[MonthlyReport]:
    """For each municipality: on (or after) the first working day of a month, last month's report."""
    now = now or timezone.now()
    made = []
    for municipality in Municipality.objects.filter(is_active=True):
        today = timezone.localtime(now, municipality.tzinfo).date()
        if today < first_working_day(municipality, today.year, today.month):
            continue
        year, month = previous_month(today)
        row = generate(municipality, year, month, now=now)
        if row is not None:
            log.info("monthly report %s %s: %s violations", municipality.slug, row.key, row.violations)
            made.append(row)
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
