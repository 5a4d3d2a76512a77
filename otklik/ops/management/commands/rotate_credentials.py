from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from otklik.ops.audit import record
from otklik.ops.keys import rotate_all


class Command(BaseCommand):
    help = (
        "Перешифровать токены соцсетей и другие секреты первым (новым) ключом из OTKLIK_ENCRYPTION_KEYS. "
        "Старые ключи держите в переменной, пока команда не отработает без ошибок."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Только проверить, что всё расшифровывается")

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_all(dry_run=options["dry_run"])
        for label, n in sorted(report.rotated.items()):
            self.stdout.write(f"{label}: {n}")
        if not options["dry_run"]:
            record("keys_rotated", rotated=report.rotated, failed=len(report.failed))
        if report.failed:
            raise CommandError(
                "Не расшифровались ни одним из ключей (нужен старый ключ в OTKLIK_ENCRYPTION_KEYS): "
                + ", ".join(report.failed[:50])
            )
        self.stdout.write(self.style.SUCCESS("Готово." if not options["dry_run"] else "Проверка пройдена."))
