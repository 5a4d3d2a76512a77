"""§9.2 (issue 18 §4): how long messages waited in the feed before detection, per specialist and month."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.tests.helpers import Clock, message, msk
from otklik.reports import feedwait
from otklik.reports.queries import violation_report

pytestmark = pytest.mark.django_db


def _collected_then_detected(cast, clock, at, minutes, who):  # type: ignore[no-untyped-def]
    clock.set(at)
    case = actions.do_register_post(cast.municipality, message())
    clock.advance(minutes=minutes)
    return actions.do_detect_case(case, acting_user=who)


def test_it_shows_the_wait_per_specialist_and_per_month(cast, client):
    with Clock(msk(2026, 3, 2, 9, 0)) as clock:
        _collected_then_detected(cast, clock, msk(2026, 3, 2, 9, 0), 30, cast.specialist)
        _collected_then_detected(cast, clock, msk(2026, 3, 3, 9, 0), 90, cast.specialist)
        _collected_then_detected(cast, clock, msk(2026, 3, 4, 9, 0), 10, cast.coordinator)
        _collected_then_detected(cast, clock, msk(2026, 4, 1, 9, 0), 20, cast.specialist)
        actions.do_register_post(cast.municipality, message(), detected=True)  # triage / manual entry
    start, end = msk(2026, 3, 1), msk(2026, 4, 1)
    people = {
        w.who: (w.detected, w.average, w.longest) for w in feedwait.per_specialist([cast.municipality], start, end)
    }
    assert people == {
        "Светлана Карпова": (2, "1 ч 00 мин", "1 ч 30 мин"),
        "Константин Логинов": (1, "0 ч 10 мин", "0 ч 10 мин"),
    }
    months = feedwait.per_month([cast.municipality], start, msk(2026, 5, 1))
    assert [(m.who, m.detected) for m in months] == [("март 2026", 3), ("апрель 2026", 2)]
    report = violation_report(cast.municipality, 2026, 3, as_of=msk(2026, 4, 1, 9, 0))
    assert [r["who"] for r in report.feed_wait] == ["Светлана Карпова", "Константин Логинов"]
    client.force_login(cast.coordinator)
    page = client.get("/reports/violations/2026-03/?municipality=georgievsk&live=1").content.decode()
    assert "ожидание в ленте до выявления" in page and "1 ч 30 мин" in page
    with Clock(msk(2026, 4, 1, 12, 0)):
        dash = client.get("/dashboard/?start=2026-03-01&end=2026-04-01").content.decode()
    assert "Ожидание в ленте до выявления" in dash and feedwait.AUTOMATIC in dash and "март 2026" in dash
