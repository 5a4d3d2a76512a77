"""Periodic jobs of reports: the §23 monthly report on the first working day of the month."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from otklik.reports import services


@db_periodic_task(crontab(minute="7"))
def generate_monthly_reports() -> int:
    """Hourly, cheap: does nothing once this month's report of the previous month exists."""
    return len(services.generate_due())
