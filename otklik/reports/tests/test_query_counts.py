"""Every dashboard and report page costs the same number of queries at 10 and at 10,000 deadlines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.cases.models import Case, Deadline
from otklik.cases.tests.helpers import Clock, msk
from otklik.regulation.services import calendar_for, clock_reading

NOW = msk(2026, 11, 30, 12, 0)
PAGES = [
    "/dashboard/?start=2026-11-01&end=2026-11-30",
    "/dashboard/?start=2026-11-01&end=2026-11-30&format=xlsx",
    "/reports/violations/2026-11/",
    "/reports/violations/2026-11/?format=xlsx",
    "/reports/region/?start=2026-11-01&end=2026-11-30",
]


def _fill(cast, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` cases of November with ``n`` deadlines: on time, late, open past due, open in time."""
    calendar = calendar_for(cast.municipality)
    orgs = [cast.roads_org, cast.water_org, cast.admin_org]
    cases = Case.objects.bulk_create(
        Case(municipality=cast.municipality, status="assigned", created_at=NOW - dt.timedelta(minutes=i % 40000))
        for i in range(n)
    )
    rows = []
    for i, case in enumerate(cases):
        started = NOW - dt.timedelta(minutes=60 + i % 30000)
        due = started + dt.timedelta(hours=1)
        closed = [due - dt.timedelta(minutes=5), due + dt.timedelta(minutes=30), None, None][i % 4]
        if i % 4 == 3:
            due = NOW + dt.timedelta(hours=2)
        rows.append(
            Deadline(
                case=case,
                stage=["draft", "route", "publish_total"][i % 3],
                point="11",
                organization=orgs[i % 3],
                user=cast.roads,
                limit_value=60,
                limit_unit="working_minutes",
                started_at=started,
                due_at=due,
                warn_at=due,
                closed_at=closed,
                outcome="met" if closed else "",
                start_clock=clock_reading(calendar, "working_minutes", started),
                due_clock=clock_reading(calendar, "working_minutes", due),
                close_clock=clock_reading(calendar, "working_minutes", closed) if closed else None,
            )  # fmt: skip
        )
    Deadline.objects.bulk_create(rows, batch_size=2000)


def _counts(client, municipality: str) -> list[int]:  # type: ignore[no-untyped-def]
    out = []
    client.get("/dashboard/")  # the session's first request sets things up once
    for url in PAGES:
        url += ("&" if "?" in url else "?") + f"municipality={municipality}"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        out.append(len(queries))
    return out


@pytest.mark.heavy
def test_it_costs_the_same_queries_at_10_and_10000_deadlines(client, cast):
    client.force_login(cast.observer)
    with Clock(NOW):
        _fill(cast, 10)
        few = _counts(client, cast.municipality.slug)
        _fill(cast, 9990)
        many = _counts(client, cast.municipality.slug)
    assert few == many
