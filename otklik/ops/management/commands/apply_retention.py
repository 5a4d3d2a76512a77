from typing import Any

from django.core.management.base import BaseCommand

from otklik.ops.personal_data import apply_retention


class Command(BaseCommand):
    help = "Обезличить данные авторов закрытых обращений старше срока хранения (то же делает ночная задача)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Только посчитать")

    def handle(self, *args: Any, **options: Any) -> None:
        for slug, n in apply_retention(dry_run=options["dry_run"]).items():
            self.stdout.write(f"{slug}: {n}")
