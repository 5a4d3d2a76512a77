"""SLA read-side: overdue and warning now, violations of a period with who was responsible."""

from __future__ import annotations

import pytest

from otklik.cases import actions, sla
from otklik.cases.sweep import sweep
from otklik.cases.tests.helpers import deadline, detected_case, msk, routed_case

pytestmark = pytest.mark.django_db


def test_overdue_and_warning_now_read_open_deadlines(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))  # route due 11:00, warn 10:45
    route = deadline(case, "route")
    assert list(sla.warning_now(msk(2025, 3, 3, 10, 44))) == []
    assert list(sla.warning_now(msk(2025, 3, 3, 10, 45))) == [route]
    assert list(sla.overdue_now(msk(2025, 3, 3, 10, 59))) == []
    assert list(sla.overdue_now(msk(2025, 3, 3, 11, 0))) == [route]
    assert list(sla.warning_now(msk(2025, 3, 3, 11, 0))) == []


def test_an_open_return_window_is_never_overdue(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    window = deadline(case, "return_window")
    assert window not in sla.overdue_now(msk(2025, 3, 3, 10, 45))
    assert sweep(msk(2025, 3, 3, 10, 45)).lapsed == [window.pk]
    window.refresh_from_db()
    assert (window.outcome, window.closed_at) == ("lapsed", msk(2025, 3, 3, 10, 30))


def test_violations_list_late_and_still_open_deadlines_with_the_responsible(cast, clock):
    still_open = routed_case(cast, clock, msk(2025, 3, 3, 9, 0), orgs=[cast.water_org])  # draft due 10:00
    late = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))  # draft due 11:00
    clock.set(msk(2025, 3, 3, 11, 30))
    actions.do_submit_draft(late, text="Ответ", acting_user=cast.roads)  # 30 min late; review due 12:00
    excluded = routed_case(cast, clock, msk(2025, 3, 3, 9, 0), orgs=[cast.housing_org])
    clock.set(msk(2025, 3, 3, 9, 30))
    actions.do_exclude_case(excluded, reason_code="threat", acting_user=cast.specialist)

    rows = sla.violations(cast.municipality, msk(2025, 3, 3), msk(2025, 3, 4), now=msk(2025, 3, 3, 14, 30))
    summary = [(r.case, r.stage, r.organization, r.closed_at, r.late_by.total_seconds() // 60) for r in rows]
    assert summary == [
        (still_open, "draft", cast.water_org, None, 210),  # 10:00 → 14:30 less the lunch hour
        (late, "draft", cast.roads_org, msk(2025, 3, 3, 11, 30), 30),
        (late, "review", cast.admin_org, None, 90),  # due 12:00: 60 + 30 after lunch
        (still_open, "publish_total", cast.water_org, None, 30),  # due 13:00
    ]
    assert sla.violations(cast.municipality, msk(2025, 3, 4), msk(2025, 3, 5), now=msk(2025, 3, 3, 14, 30)) == []
    assert sla.violations(cast.other_municipality, msk(2025, 3, 3), msk(2025, 3, 4)) == []


def test_a_return_after_its_window_is_a_violation_of_point_10(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))  # window due 10:30
    sweep(msk(2025, 3, 3, 10, 31))
    clock.set(msk(2025, 3, 3, 10, 45))
    actions.do_return_assignment(case.assignments.get(), reason="Не наше", acting_user=cast.roads)
    rows = sla.violations(cast.municipality, msk(2025, 3, 3), msk(2025, 3, 4), now=msk(2025, 3, 3, 10, 50))
    assert [(r.stage, r.point, r.organization, r.late_by.total_seconds() // 60) for r in rows] == [
        ("return_window", "10", cast.roads_org, 15)
    ]
