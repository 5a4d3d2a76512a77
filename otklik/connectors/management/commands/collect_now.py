"""Collect from official accounts now, in this process (operators; the kill test).

python manage.py collect_now                 # every active account with credentials
python manage.py collect_now --account 7     # one account
python manage.py collect_now --force         # ignore a run lease left by a killed worker
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from otklik.connectors.collect import SUPPORTED, collect_account
from otklik.directory.models import OfficialAccount


class Command(BaseCommand):
    help = "Собирает сообщения из официальных аккаунтов сейчас."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--account", type=int, action="append", help="id аккаунта (можно несколько)")
        parser.add_argument("--force", action="store_true", help="не ждать истечения чужой «аренды» сбора")

    def handle(self, *args: Any, account: list[int] | None, force: bool, **options: Any) -> None:
        accounts = OfficialAccount.objects.filter(is_active=True, network__in=SUPPORTED)
        if account:
            accounts = accounts.filter(pk__in=account)
        for item in accounts:
            if not item.has_credentials:
                continue
            result = collect_account(item, force=force)
            status = "пропущен: идёт другой сбор" if result.skipped else (result.error or "ок")
            self.stdout.write(f"{item}: новых {result.new}, правок {result.changes} — {status}")
