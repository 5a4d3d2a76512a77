"""Issue 18 §3: the §23 report names the official who held each violated stage at the time."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.tests.helpers import Clock, detected_case, msk
from otklik.reports.queries import violation_report

pytestmark = pytest.mark.django_db


def _people(cast) -> dict[str, str]:  # type: ignore[no-untyped-def]
    report = violation_report(cast.municipality, 2026, 3, as_of=msk(2026, 4, 1, 9, 0))
    return {f"{r.case_id}:{r.stage}": r.person for r in report.rows}


def test_it_names_the_routing_specialist_the_assigned_person_or_the_responsible(cast):
    with Clock(msk(2026, 3, 2, 9, 0)) as clock:
        late_route = detected_case(cast, clock, msk(2026, 3, 2, 9, 0))
        clock.set(msk(2026, 3, 2, 11, 0))  # §9.2: 60 minutes; routed an hour late
        actions.do_route_case(late_route, [cast.housing_org], acting_user=cast.specialist)
        assigned = detected_case(cast, clock, msk(2026, 3, 3, 9, 0))
        assigned = actions.do_route_case(assigned, [cast.housing_org], acting_user=cast.specialist)
        actions.do_assign_person(assigned.assignments.get(), cast.housing, acting_user=cast.housing_chief)
        roads = detected_case(cast, clock, msk(2026, 3, 4, 9, 0))
        actions.do_route_case(roads, [cast.roads_org], acting_user=cast.specialist)
        never_routed = detected_case(cast, clock, msk(2026, 3, 5, 9, 0))
    people = _people(cast)
    assert people[f"{late_route.pk}:Направление исполнителю"] == "Светлана Карпова"
    assert (
        people[f"{late_route.pk}:Подготовка проекта ответа"] == "Игорь Петренко"
    )  # nobody assigned: the organization's responsible
    assert people[f"{assigned.pk}:Подготовка проекта ответа"] == "Жанна Коммунарова"
    assert people[f"{roads.pk}:Подготовка проекта ответа"] == "— (никто не назначен)"  # «Дороги» has no responsible
    assert people[f"{never_routed.pk}:Направление исполнителю"] == "— (решения не было)"
