from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = (
        "Пересобрать строки списка обращений API (api_caselistrow) и их триггеры в PostgreSQL. "
        "Обычно не нужно: migrate делает это сам, когда меняется вид строки."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default="default", help="Псевдоним базы данных (по умолчанию default)")

    def handle(self, *args: Any, **options: Any) -> None:
        from otklik.api import listrows

        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError("Строки списка хранятся только в PostgreSQL; в этой базе список строится при запросе.")
        count = listrows.install(connection, force=True)
        self.stdout.write(f"Строк пересобрано: {count}")
