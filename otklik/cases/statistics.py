"""Planner statistics for the tables intake fills (issue 22).

A fresh PostgreSQL database has none until autovacuum gets to it, and a plan chosen without them
can turn a bulk load quadratic. ``migrate`` and bulk loads (a file import, a seed) run
:func:`analyze` on the tables they fill; on SQLite it does nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

INTAKE_TABLES = (
    "cases_case",
    "cases_post",
    "cases_caseevent",
    "cases_deadline",
    "cases_assignment",
    "cases_caseorganization",
)


def analyze(tables: tuple[str, ...] = INTAKE_TABLES, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def analyze_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate`` of the cases app: the tables exist (and may hold migrated rows)."""
    analyze(using=using)
