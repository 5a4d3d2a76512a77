from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _unicode_upper(sender: Any, connection: Any, **_: Any) -> None:
    """SQLite's UPPER changes only Latin letters; search (cases.queries) needs Cyrillic too."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "UPPER", 1, lambda value: value.upper() if isinstance(value, str) else value, deterministic=True
        )


class CasesConfig(AppConfig):
    name = "otklik.cases"
    label = "cases"
    verbose_name = "Обращения"

    def ready(self) -> None:
        from otklik.cases.statistics import analyze_after_migrate

        connection_created.connect(_unicode_upper, dispatch_uid="cases-sqlite-upper")
        post_migrate.connect(analyze_after_migrate, sender=self, dispatch_uid="cases-analyze-after-migrate")
