"""Indexes for the inbox and API list order (nearest deadline first), PostgreSQL only.

The inbox (web, pk ascending) and the API list (pk descending) walk a municipality's
cases in (next_due_at ASC NULLS LAST, id) order; without these indexes PostgreSQL sorts
every case of the municipality on each page (measured: 669 ms → 1 ms on 1M cases).
SQLite cannot index NULLS LAST and its demo-sized databases do not need it.
"""

from django.db import migrations

from otklik.cases.migrations._postgres import postgres_indexes

INDEXES = {
    "case_inbox_order_idx": "cases_case (municipality_id, next_due_at ASC NULLS LAST, id ASC)",
    "case_api_order_idx": "cases_case (municipality_id, next_due_at ASC NULLS LAST, id DESC)",
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [postgres_indexes(INDEXES)]
