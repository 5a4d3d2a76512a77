"""Intake on a fresh PostgreSQL database without planner statistics stores at a flat cost per message."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from otklik.cases.statistics import INTAKE_TABLES
from otklik.cases.tests.helpers import message
from otklik.connectors.storage import register_messages

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db]  # planner statistics are PostgreSQL's

MESSAGES, BATCH = 20_000, 100


def _forget_statistics() -> None:
    """As on a database nobody has analysed (rolled back with the test's transaction)."""
    with connection.cursor() as cur:
        for table in INTAKE_TABLES:
            cur.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
            cur.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass", [table])


def test_it_stores_20000_messages_at_a_flat_cost_per_message(cast):
    _forget_statistics()
    costs = []
    for b in range(MESSAGES // BATCH):
        batch = [message(key=f"wall-1_{b * BATCH + i}") for i in range(BATCH)]
        t = time.perf_counter()
        assert register_messages(cast.municipality, batch) == BATCH
        costs.append((time.perf_counter() - t) / BATCH)
    # The cheapest batch of the first and of the last 2,000: a cost that grows with the table
    # raises even the cheapest batch, while a busy machine only slows some of them.
    first, last = min(costs[:20]), min(costs[-20:])
    assert last < 2 * first, f"{first * 1000:.2f} ms -> {last * 1000:.2f} ms per message"
