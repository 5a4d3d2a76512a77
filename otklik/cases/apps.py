from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _unicode_upper(sender: Any, connection: Any, **_: Any) -> None:
    """SQLite's UPPER changes only Latin letters; search (cases.queries) needs Cyrillic too."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "UPPER", 1, lambda value: value.upper() if isinstance(value, str) else value, deterministic=True
        )


class CasesConfig(AppConfig):
    name = "otklik.cases"
    label = "cases"

    def ready(self) -> None:
        connection_created.connect(_unicode_upper, dispatch_uid="cases-sqlite-upper")
