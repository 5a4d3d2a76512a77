"""Jobs of reports: the §23 monthly report on the first working day of the month; §23 PDFs."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from otklik.reports import services


@db_periodic_task(crontab(minute="7"))
def generate_monthly_reports() -> int:
    """Hourly, cheap: does nothing once this month's report of the previous month exists."""
    return len(services.generate_due())


@db_task()
def build_document(doc_id: int) -> None:
    """A §23 PDF asked for on a page: made here, never in the request (it may take seconds)."""
    services.build(doc_id)


@db_periodic_task(crontab(minute="17", hour="3"))
def forget_live_documents() -> int:
    return services.forget_live_documents()
