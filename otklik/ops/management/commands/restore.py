from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from otklik.ops.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "Восстановление из копии `otklik backup` в пустую базу данных (и папку вложений)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="Файл копии .tar.gz")
        parser.add_argument("--database-url", help="Куда восстанавливать (по умолчанию — база из DATABASE_URL)")
        parser.add_argument("--media-dir", help="Куда восстанавливать вложения (по умолчанию — OTKLIK_MEDIA_DIR)")
        parser.add_argument(
            "--force", action="store_true", help="Удалить всё в непустой базе перед восстановлением (необратимо)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        try:
            manifest = read_manifest(archive)
            self.stdout.write(f"Копия от {manifest['created_at']} ({manifest['engine']}), восстанавливаю…")
            report = restore_backup(
                archive,
                target_url=options.get("database_url"),
                media_root=Path(options["media_dir"]) if options.get("media_dir") else None,
                force=options["force"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for table, n in sorted(report.counts.items()):
            self.stdout.write(f"  {table}: {n}")
        self.stdout.write(f"  файлов вложений: {report.media_files}")
        if report.mismatches:
            raise CommandError("Восстановлено с расхождениями:\n" + "\n".join(report.mismatches))
        if not options.get("database_url"):
            from django.db import DatabaseError

            from otklik.ops.audit import record

            try:
                record("restore", file=str(archive), created_at=manifest["created_at"])
            except DatabaseError:  # a copy older than the code: no audit table until `otklik migrate`
                self.stderr.write(
                    "Журнал безопасности недоступен до otklik migrate — запись о восстановлении пропущена."
                )
        self.stdout.write(self.style.SUCCESS("Восстановлено. Примените миграции: otklik migrate"))
