"""§7, issue 18 §3: the organization's responsible gives its part of a case to a named executor."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.access import allowed_actions
from otklik.cases.errors import ActionForbidden, NotVisible, ValidationFailed
from otklik.cases.models import CaseEvent
from otklik.cases.tests.helpers import deadline, msk, routed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def housing_case(cast, clock):
    return routed_case(cast, clock, msk(2025, 3, 3, 10, 0), orgs=[cast.housing_org])


def test_it_gives_the_part_and_its_clocks_to_the_person(cast, housing_case):
    assert deadline(housing_case, "draft").user == cast.housing_chief  # nobody named: the responsible holds it
    case = actions.do_assign_person(housing_case.assignments.get(), cast.housing, acting_user=cast.housing_chief)
    assert case.assignments.get().assignee == cast.housing
    assert deadline(case, "draft").user == cast.housing
    assert deadline(case, "publish_total").user == cast.housing
    event = CaseEvent.objects.get(case=case, kind="person_assigned")
    assert event.actor == cast.housing_chief
    assert (event.data["assignee_before"], event.data["assignee_after"]) == (None, cast.housing.pk)


def test_it_reassigns_and_takes_back(cast, housing_case):
    part = housing_case.assignments.get()
    actions.do_assign_person(part, cast.housing, acting_user=cast.housing_chief)
    actions.do_assign_person(part, cast.housing_chief, acting_user=cast.housing_chief)
    assert deadline(housing_case, "draft").user == cast.housing_chief
    case = actions.do_assign_person(part, None, acting_user=cast.housing_chief)
    assert case.assignments.get().assignee is None
    assert CaseEvent.objects.filter(case=case, kind="person_assigned").count() == 3


def test_the_responsible_assigns_in_organizations_below_too(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), orgs=[cast.water_org])
    assert "assign_person" in allowed_actions(cast.housing_chief, case)
    case = actions.do_assign_person(case.assignments.get(), cast.water, acting_user=cast.housing_chief)
    assert case.assignments.get().assignee == cast.water


def test_it_refuses_executors_specialists_and_strangers(cast, housing_case):
    part = housing_case.assignments.get()
    assert "assign_person" not in allowed_actions(cast.housing, housing_case)
    with pytest.raises(ActionForbidden):
        actions.do_assign_person(part, cast.housing, acting_user=cast.housing)
    with pytest.raises(ActionForbidden):
        actions.do_assign_person(part, cast.housing, acting_user=cast.specialist)
    with pytest.raises(NotVisible):
        actions.do_assign_person(part, cast.housing, acting_user=cast.roads)


def test_it_refuses_a_person_of_another_organization(cast, housing_case):
    with pytest.raises(ValidationFailed, match="не работает в «ЖКХ»"):
        actions.do_assign_person(housing_case.assignments.get(), cast.roads, acting_user=cast.housing_chief)
    assert housing_case.assignments.get().assignee is None
