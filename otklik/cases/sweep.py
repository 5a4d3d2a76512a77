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

log = logging.getLogger(__name__)

RETURN_WINDOW = "return_window"
BATCH_SIZE = 2000

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


def _warn_sql() -> str:
    t = _table()
    return (
        f"UPDATE {t} SET warned_at = %s WHERE id {_in()}("  # noqa: S608 - table name from the model, values are parameters
        f"SELECT id FROM {t} WHERE closed_at IS NULL AND warned_at IS NULL AND warn_at <= %s"
        f" ORDER BY warn_at LIMIT %s{_lock_clause()}){_in_end()}"
        " AND closed_at IS NULL AND warned_at IS NULL"
        " RETURNING id, case_id, stage, organization_id, user_id, due_at"
    )


def _breach_sql() -> str:
    t = _table()
    return (
        # A breached deadline needs no warning any more: marking it here also keeps a row that
        # a concurrent consumer's warn pass skipped (locked) from being warned a minute late.
        f"UPDATE {t} SET breached_at = %s, warned_at = COALESCE(warned_at, %s) WHERE id {_in()}("  # noqa: S608 - table name from the model, values are parameters
        f"SELECT id FROM {t} WHERE closed_at IS NULL AND breached_at IS NULL AND due_at <= %s"
        f" AND stage <> %s ORDER BY due_at LIMIT %s{_lock_clause()}){_in_end()}"
        " AND closed_at IS NULL AND breached_at IS NULL"
        " RETURNING id, case_id, stage, organization_id, user_id, due_at"
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
        " AND closed_at IS NULL"
        " RETURNING id, case_id, stage, organization_id, user_id, due_at"
    )


def _payload(row: tuple[Any, ...], now: dt.datetime) -> dict[str, Any]:
    deadline_id, case_id, stage, organization_id, user_id, _due = row
    return {
        "deadline_id": deadline_id,
        "case_id": case_id,
        "stage": stage,
        "organization_id": organization_id,
        "user_id": user_id,
        "at": now.isoformat(),
    }


def _as_aware(value: Any) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns RETURNING timestamps as text
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


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
    at = connection.ops.adapt_datetimefield_value(now)

    def drain(sql: str, params: Callable[[], list[Any]], on_row: Callable[[tuple[Any, ...]], None]) -> list[int]:
        ids: list[int] = []
        while True:
            with transaction.atomic():
                rows = _run(sql, params())
                for row in rows:
                    on_row(row)
            ids.extend(row[0] for row in rows)
            # Not `< batch_size`: under concurrency a batch comes back short when another
            # consumer holds (or just changed) some candidates, while more rows may remain.
            if not rows:
                return ids

    def on_warn(row: tuple[Any, ...]) -> None:
        # A warning that comes after the deadline itself is noise: mark it, say nothing.
        if row[2] != RETURN_WINDOW and _as_aware(row[5]) > now:
            publish("deadline_warned", _payload(row, now))

    def on_breach(row: tuple[Any, ...]) -> None:
        publish("deadline_breached", _payload(row, now))

    # Breaches before warnings: a breach also sets warned_at, so a row that is already past
    # due is written once, not twice, and the warn pass only sees rows still before due.
    t0 = time.perf_counter()
    lapsed_cases: set[int] = set()
    result.lapsed = drain(
        _lapse_sql(),
        lambda: [Deadline.Outcome.LAPSED.value, at, RETURN_WINDOW, batch_size],
        lambda row: lapsed_cases.add(row[1]),
    )
    if lapsed_cases:  # the inbox's nearest deadline must not point at a window that closed
        refresh_next_due(lapsed_cases)
    t1 = time.perf_counter()
    result.breached = drain(_breach_sql(), lambda: [at, at, at, RETURN_WINDOW, batch_size], on_breach)
    t2 = time.perf_counter()
    result.warned = drain(_warn_sql(), lambda: [at, at, batch_size], on_warn)
    result.seconds = {"lapse": t1 - t0, "breach": t2 - t1, "warn": time.perf_counter() - t2}
    if result.warned or result.breached or result.lapsed:
        log.info("deadline sweep at %s: %s", now.isoformat(), result)
    return result
