"""Background jobs: periodic collection and delivery of pending publications."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from otklik.connectors.collect import collect_account, due_accounts
from otklik.connectors.importing import run_import
from otklik.connectors.publish import deliver_publication
from otklik.directory.models import OfficialAccount


@db_periodic_task(crontab(minute="*"))
def collect_due_accounts() -> int:
    """Every minute: queue collection for each account whose interval has elapsed."""
    accounts = due_accounts()
    for account in accounts:
        collect_account_task(account.pk)
    return len(accounts)


@db_task()
def collect_account_task(account_id: int) -> None:
    account = OfficialAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is not None:
        collect_account(account)


@db_task(retries=5, retry_delay=30)
def deliver_publication_task(publication_id: int) -> None:
    deliver_publication(publication_id)


@db_task()
def run_import_task(job_id: str) -> None:
    run_import(job_id)
