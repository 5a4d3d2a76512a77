"""A seeded month: May 2026 in Georgievsk (1 May holiday; 8 May shortened to 17:00; 9-11 May off)."""

from __future__ import annotations

import datetime as dt

import pytest

from otklik.cases.models import Case, Deadline
from otklik.cases.tests.helpers import msk

# The channels' local fakes (a real SMTP sink, a fake Bot API over HTTP), as in the notify tests.
from otklik.notify.tests.conftest import bot, smtp  # noqa: F401
from otklik.regulation.services import calendar_for, clock_reading

AS_OF = msk(2026, 6, 1, 9, 0)  # the first working day of June, when the report is generated


def make(case, stage, org, user, started, due, closed=None, outcome="", limit=60, unit="working_minutes", point="11"):  # type: ignore[no-untyped-def]
    """A deadline row as the actions leave it (with its clock readings), at any given moments."""
    calendar = calendar_for(case.municipality)
    outcome = outcome or ("met" if closed else "")
    return Deadline.objects.create(
        case=case, municipality_id=case.municipality_id, stage=stage, point=point, organization=org, user=user, limit_value=limit, limit_unit=unit,
        started_at=started, due_at=due, warn_at=due - dt.timedelta(minutes=15), closed_at=closed, outcome=outcome,
        start_clock=clock_reading(calendar, unit, started), due_clock=clock_reading(calendar, unit, due),
        close_clock=clock_reading(calendar, unit, closed) if closed and outcome == "met" else None,
    )  # fmt: skip


@pytest.fixture
def may(cast):  # type: ignore[no-untyped-def]
    c1, c2, c3, c4 = (Case.objects.create(municipality=cast.municipality, status="assigned") for _ in range(4))
    other = Case.objects.create(municipality=cast.other_municipality, status="assigned")
    ns = type("May", (), {})()
    ns.cases = (c1, c2, c3, c4)
    # Roads: late across the shortened day and the holidays; on time; never met.
    ns.r1 = make(c1, "draft", cast.roads_org, cast.roads, msk(2026, 5, 8, 16, 30), msk(2026, 5, 12, 9, 30),
                 msk(2026, 5, 12, 10, 15))  # fmt: skip
    make(
        c2, "draft", cast.roads_org, cast.roads, msk(2026, 5, 6, 10, 0), msk(2026, 5, 6, 11, 0), msk(2026, 5, 6, 10, 40)
    )
    ns.r3 = make(c2, "publish_total", cast.roads_org, None, msk(2026, 4, 30, 15, 0), msk(2026, 5, 4, 11, 0),
                 limit=240, point="16")  # fmt: skip
    # Water: a co-executor's part due at the very end of the shortened day, given after the holidays.
    ns.w1 = make(c3, "coexec_info", cast.water_org, cast.water, msk(2026, 5, 8, 15, 0), msk(2026, 5, 8, 17, 0),
                 msk(2026, 5, 12, 9, 10), limit=120, point="18")  # fmt: skip
    make(
        c3,
        "draft",
        cast.water_org,
        cast.water,
        msk(2026, 5, 13, 9, 0),
        msk(2026, 5, 13, 10, 0),
        msk(2026, 5, 13, 9, 50),
    )
    # Never violations: cancelled, lapsed, an open return window.
    make(c3, "review", cast.water_org, None, msk(2026, 5, 14, 9, 0), msk(2026, 5, 14, 9, 30), msk(2026, 5, 15, 9, 0),
         outcome="cancelled", limit=30, point="12, 13")  # fmt: skip
    make(c4, "return_window", cast.water_org, None, msk(2026, 5, 14, 9, 0), msk(2026, 5, 14, 9, 30),
         msk(2026, 5, 14, 9, 30), outcome="lapsed", limit=30, point="10")  # fmt: skip
    make(
        c4, "return_window", cast.roads_org, None, msk(2026, 5, 29, 9, 0), msk(2026, 5, 29, 9, 30), limit=30, point="10"
    )
    # Administration: met exactly at the due time (on time); due in June (another month).
    make(c4, "route", cast.admin_org, cast.specialist, msk(2026, 5, 29, 9, 0), msk(2026, 5, 29, 10, 0),
         msk(2026, 5, 29, 10, 0), point="9.2")  # fmt: skip
    make(c4, "route", cast.admin_org, cast.specialist, msk(2026, 5, 29, 17, 30), msk(2026, 6, 1, 9, 30), point="9.2")
    # Another municipality's violation never shows.
    make(other, "draft", cast.other_org, cast.stranger, msk(2026, 5, 6, 10, 0), msk(2026, 5, 6, 11, 0))
    return ns


@pytest.fixture
def get_pdf(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Ask a page for a §23 PDF, let the worker make it (huey runs tasks at once in tests), follow
    the progress page and download the document: ``get_pdf(client, url)``."""

    def get(client, url):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url)
        assert response.status_code == 302, response.status_code
        page = client.get(response["Location"])
        assert "Документ готов" in page.content.decode()
        return client.get(response["Location"] + "?download=1")

    return get
