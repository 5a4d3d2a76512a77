from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from otklik.ops.audit import record
from otklik.ops.backup import BackupError, create_backup, prune


class Command(BaseCommand):
    help = "Резервная копия: база данных (pg_dump или копия SQLite) и папка вложений в один .tar.gz."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "output", nargs="?", help="Файл копии (по умолчанию OTKLIK_BACKUP_DIR/otklik-<время>.tar.gz)"
        )
        parser.add_argument(
            "--keep", type=int, default=0, help="Оставить столько последних копий в папке, старые удалить"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = create_backup(Path(options["output"]) if options["output"] else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        record("backup", file=str(path), size=path.stat().st_size)
        self.stdout.write(f"Резервная копия: {path} ({path.stat().st_size / 1048576:.1f} МБ)")
        if options["keep"]:
            directory = path.parent if options["output"] else Path(settings.OTKLIK_BACKUP_DIR)
            for old in prune(directory, options["keep"]):
                self.stdout.write(f"Удалена старая копия: {old}")
