"""Shared by this app's migrations (the loader skips modules starting with "_"): indexes that
only PostgreSQL can express (NULLS LAST orders, INCLUDE columns), created and dropped there only.
Keep it free of model imports: migrations must not depend on today's models."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def postgres_indexes(indexes: dict[str, str]) -> migrations.RunPython:
    """``{name: "table (columns…)"}`` → CREATE INDEX IF NOT EXISTS on PostgreSQL, nothing elsewhere."""

    def create(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for name, target in indexes.items():
                schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    def drop(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
