"""Indexes for the lists of people who see cases through their organizations, PostgreSQL only.

An executor's list is "the cases with an assignment of my organizations", nearest deadline
first. ``visible_cases`` takes the case ids from ``assignment_org_case_idx`` (an index-only
scan) and the case list first picks the page's ids from ``case_visibility_cover_idx`` (again
index-only: id with the columns the default list filters and orders by), then loads the
page's rows by primary key. Without them PostgreSQL reads thousands of scattered case rows
per page (see bench/api.py and bench/README.md).
"""

from django.db import migrations

from otklik.cases.migrations._postgres import postgres_indexes

INDEXES = {
    "case_visibility_cover_idx": "cases_case (id) INCLUDE (municipality_id, status, next_due_at)",
    "assignment_org_case_idx": "cases_assignment (organization_id, case_id)",
}


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_inbox_order_indexes")]

    operations = [postgres_indexes(INDEXES)]
