"""CaseOrganization mirrors the (case, organization) pairs of assignments and the case's deadline."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.access import single_organization, visible_cases
from otklik.cases.models import Assignment, CaseOrganization
from otklik.cases.sweep import sweep
from otklik.cases.tests.helpers import message, msk

pytestmark = pytest.mark.django_db


def assert_mirrors_assignments() -> None:
    pairs = set(Assignment.objects.values_list("case_id", "organization_id"))
    links = set(CaseOrganization.objects.values_list("case_id", "organization_id"))
    assert links == pairs
    for link in CaseOrganization.objects.select_related("case"):
        assert link.next_due_at == link.case.next_due_at, link.case_id


def test_links_follow_route_reroute_return_and_the_sweep(cast, clock):
    first = actions.do_register_post(cast.municipality, message("Яма"), detected=True)
    second = actions.do_register_post(cast.municipality, message("Нет воды"), detected=True)
    assert_mirrors_assignments()

    first = actions.do_route_case(first, [cast.roads_org], acting_user=cast.specialist)
    second = actions.do_route_case(
        second, [cast.water_org, cast.roads_org], lead=cast.water_org, acting_user=cast.specialist
    )
    assert_mirrors_assignments()

    clock.advance(minutes=30)
    first = actions.do_route_case(first, [cast.housing_org], acting_user=cast.specialist)  # re-route
    assert_mirrors_assignments()
    # Дороги had the case: it keeps seeing it (as visible_cases says), in the same deadline order.
    assert first.pk in set(
        CaseOrganization.objects.filter(organization=cast.roads_org).values_list("case_id", flat=True)
    )
    assert first in visible_cases(cast.roads)

    clock.advance(minutes=10)
    second = actions.do_return_assignment(
        second.assignments.get(organization=cast.roads_org, is_active=True), reason="Не наше", acting_user=cast.roads
    )
    assert_mirrors_assignments()

    # Days later the sweep closes return windows (refresh_next_due): the copies follow.
    clock.set(msk(2025, 3, 10, 10, 0))
    sweep(msk(2025, 3, 10, 10, 0), publish=lambda *_: None)
    assert_mirrors_assignments()


def test_single_organization_is_only_for_one_organization_without_wider_rights(cast):
    assert single_organization(cast.roads) == cast.roads_org.pk
    assert single_organization(cast.housing) == cast.housing_org.pk  # an executor: their own organization
    assert single_organization(cast.housing_chief) is None  # Водоканал is under ЖКХ: two organizations
    assert single_organization(cast.specialist) is None
    assert single_organization(cast.head) is None
    assert single_organization(cast.stranger) == cast.other_org.pk
