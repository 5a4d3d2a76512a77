"""The deadline sweep: the one place where time itself changes a deadline.

Every minute the job runner calls :func:`sweep`. It

* marks open deadlines whose ``warn_at`` has come (``warned_at``) and publishes
  ``deadline_warned`` for those still before ``due_at``;
* marks open deadlines past ``due_at`` (``breached_at``) and publishes ``deadline_breached``;
* closes open ``return_window`` rows past ``due_at`` as ``lapsed`` (a §10 window that passed
  without a return is not a violation, so it is never "breached").

Each row is marked exactly once, however many consumers run the sweep at the same time:
every mark is one conditional ``UPDATE ... WHERE <mark> IS NULL ... RETURNING``, so a row
another consumer already marked no longer matches. On PostgreSQL the candidate rows are
picked with ``FOR UPDATE SKIP LOCKED``, so two consumers split the work instead of waiting
on each other. The candidate queries match the partial indexes of ``Deadline``
(``deadline_warn_idx`` and ``deadline_breach_idx``), so a sweep reads only the rows it
changes, however many deadlines are open or overdue.

What a sweep costs is writing: a mark changes a column of those indexes' predicates, so it
is never a HOT update and adds an entry to every index the row is still in. That is why
``Deadline`` keeps few indexes (see the model and migration 0005) — and why the marks cannot
be made HOT without the sweep re-reading every overdue row that stays open, every minute.
``bench/sweep.py`` measures it (issue 8: 1,000,000 open deadlines, 1 % due, under 1 s).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from otklik.cases import events
from otklik.cases.deadlines import refresh_next_due
from otklik.cases.models import Deadline
from otklik.regulation.stages import Stage

log = logging.getLogger(__name__)

RETURN_WINDOW = Stage.RETURN_WINDOW.value
BATCH_SIZE = 2000
REFRESH_CHUNK = 500  # lapsed cases per refresh of their nearest deadline

Publisher = Callable[[str, dict[str, Any]], None]


@dataclass
class SweepResult:
    warned: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"warned={len(self.warned)} breached={len(self.breached)} lapsed={len(self.lapsed)}"


def _table() -> str:
    return connection.ops.quote_name(Deadline._meta.db_table)


def _lock_clause() -> str:
    return " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""


def _in() -> str:
    # PostgreSQL: the candidate ids are computed once (an InitPlan) and the update then goes by
    # primary key. With a plain ``IN (subquery)`` the planner may pick a hash semi-join over a
    # sequential scan of the whole table once the batch is large enough (seen at LIMIT 10000).
    return "= ANY(ARRAY" if connection.vendor == "postgresql" else "IN "


def _in_end() -> str:
    return ")" if connection.vendor == "postgresql" else ""


# What every pass returns for the events; the warn pass adds whether the row is still before due.
RETURNING = " RETURNING id, case_id, stage, organization_id, user_id"


def _warn_sql() -> str:
    t = _table()
    return (
        f"UPDATE {t} SET warned_at = %s WHERE id {_in()}("  # noqa: S608 - table name from the model, values are parameters
        f"SELECT id FROM {t} WHERE closed_at IS NULL AND warned_at IS NULL AND warn_at <= %s"
        f" ORDER BY warn_at LIMIT %s{_lock_clause()}){_in_end()}"
        " AND closed_at IS NULL AND warned_at IS NULL"
        # Compared in SQL: a boolean costs nothing to read back, a timestamp costs a parse per row.
        f"{RETURNING}, due_at > %s"
    )


def _breach_sql() -> str:
    t = _table()
    return (
        # A breached deadline needs no warning any more: marking it here also keeps a row that
        # a concurrent consumer's warn pass skipped (locked) from being warned a minute late.
        f"UPDATE {t} SET breached_at = %s, warned_at = COALESCE(warned_at, %s) WHERE id {_in()}("  # noqa: S608 - table name from the model, values are parameters
        f"SELECT id FROM {t} WHERE closed_at IS NULL AND breached_at IS NULL AND due_at <= %s"
        f" AND stage <> %s ORDER BY due_at LIMIT %s{_lock_clause()}){_in_end()}"
        f" AND closed_at IS NULL AND breached_at IS NULL{RETURNING}"
    )


def _lapse_sql() -> str:
    t = _table()
    # A lapsed window closes at the moment it ran out, not at the moment the sweep noticed.
    return (
        f"UPDATE {t} SET closed_at = due_at, outcome = %s WHERE id {_in()}("  # noqa: S608 - table name from the model, values are parameters
        # breached_at IS NULL: a return window is never breached, so this rides deadline_breach_idx,
        # which holds only rows not yet handled — not every overdue deadline still open.
        f"SELECT id FROM {t} WHERE closed_at IS NULL AND breached_at IS NULL AND due_at <= %s AND stage = %s"
        f" ORDER BY due_at LIMIT %s{_lock_clause()}){_in_end()}"
        f" AND closed_at IS NULL{RETURNING}"
    )


def statements(at: Any, batch_size: int = BATCH_SIZE) -> dict[str, tuple[str, list[Any]]]:
    """The three passes as (SQL, parameters), in the order the sweep runs them; ``at`` is the
    sweep's time as the database adapter stores it. One run of a statement marks one batch."""
    return {
        "lapse": (_lapse_sql(), [Deadline.Outcome.LAPSED.value, at, RETURN_WINDOW, batch_size]),
        "breach": (_breach_sql(), [at, at, at, RETURN_WINDOW, batch_size]),
        "warn": (_warn_sql(), [at, at, batch_size, at]),
    }


def _payload(row: tuple[Any, ...], at: str) -> dict[str, Any]:
    deadline_id, case_id, stage, organization_id, user_id = row[:5]
    return {
        "deadline_id": deadline_id,
        "case_id": case_id,
        "stage": stage,
        "organization_id": organization_id,
        "user_id": user_id,
        "at": at,
    }


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def sweep(
    now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE, publish: Publisher | None = None
) -> SweepResult:
    """Mark what is due at ``now`` (default: the current time); return the ids marked.

    ``publish`` defaults to :func:`otklik.cases.events.publish`; events go out only after
    each batch's transaction commits.
    """
    now = now or timezone.now()
    publish = publish or events.publish
    result = SweepResult()
    # Raw SQL gets the value as the ORM would store it (SQLite: naive UTC text, compared as text).
    passes = statements(connection.ops.adapt_datetimefield_value(now), batch_size)
    at = now.isoformat()

    def drain(name: str, on_row: Callable[[tuple[Any, ...]], None]) -> list[int]:
        sql, params = passes[name]
        ids: list[int] = []
        while True:
            with transaction.atomic():
                rows = _run(sql, params)
                for row in rows:
                    on_row(row)
            ids.extend(row[0] for row in rows)
            # Not `< batch_size`: under concurrency a batch comes back short when another
            # consumer holds (or just changed) some candidates, while more rows may remain.
            if not rows:
                return ids

    def on_warn(row: tuple[Any, ...]) -> None:
        # A warning that comes after the deadline itself is noise: mark it, say nothing.
        if row[2] != RETURN_WINDOW and row[5]:
            publish("deadline_warned", _payload(row, at))

    def on_breach(row: tuple[Any, ...]) -> None:
        publish("deadline_breached", _payload(row, at))

    # Breaches before warnings: a breach also sets warned_at, so a row that is already past
    # due is written once, not twice, and the warn pass only sees rows still before due.
    t0 = time.perf_counter()
    lapsed_cases: set[int] = set()
    result.lapsed = drain("lapse", lambda row: lapsed_cases.add(row[1]))
    t1 = time.perf_counter()
    # The inbox's nearest deadline must not point at a window that closed. In chunks: with a
    # list of thousands of ids PostgreSQL scans the whole case tables instead of probing them.
    ordered = sorted(lapsed_cases)
    for start in range(0, len(ordered), REFRESH_CHUNK):
        refresh_next_due(ordered[start : start + REFRESH_CHUNK])
    t2 = time.perf_counter()
    result.breached = drain("breach", on_breach)
    t3 = time.perf_counter()
    result.warned = drain("warn", on_warn)
    result.seconds = {"lapse": t1 - t0, "refresh": t2 - t1, "breach": t3 - t2, "warn": time.perf_counter() - t3}
    if result.warned or result.breached or result.lapsed:
        log.info("deadline sweep at %s: %s", at, result)
    return result
