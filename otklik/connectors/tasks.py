"""Background jobs: periodic collection and delivery of pending publications."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from otklik.connectors.collect import collect_account, collect_watched, due_accounts, due_watched
from otklik.connectors.importing import expire_previews, parse_import, run_import
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.publish import deliver_publication, sweep_publications
from otklik.directory.models import OfficialAccount


@db_periodic_task(crontab(minute="*"))
def collect_due_accounts() -> int:
    """Every minute: queue collection for each account whose interval has elapsed."""
    accounts = due_accounts()
    for account in accounts:
        collect_account_task(account.pk)
    watched = due_watched()
    for item in watched:
        collect_watched_task(item.pk)
    return len(accounts) + len(watched)


@db_task()
def collect_account_task(account_id: int) -> None:
    account = OfficialAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is not None:
        collect_account(account)


@db_periodic_task(crontab(minute="*"))
def sweep_publications_task() -> int:
    """Every minute: re-deliver what a dead worker left pending, fail what stayed unconfirmed."""

    return len(sweep_publications())


@db_task()
def collect_watched_task(watched_id: int) -> None:

    watched = WatchedCommunity.objects.select_related("account").filter(pk=watched_id).first()
    if watched is not None:
        collect_watched(watched)


@db_task(retries=5, retry_delay=30)
def deliver_publication_task(publication_id: int) -> None:
    deliver_publication(publication_id)


@db_task()
def parse_import_task(job_id: str) -> None:
    parse_import(job_id)


@db_task()
def run_import_task(job_id: str) -> None:
    run_import(job_id)


@db_periodic_task(crontab(minute="17"))
def expire_previews_task() -> int:
    """Hourly: forget file previews nobody confirmed within a day."""
    return expire_previews()
