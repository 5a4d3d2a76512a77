"""Who sees and who may do what (DESIGN.md roles; access.py is the one door)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from otklik.cases import actions
from otklik.cases.access import access_case, allowed_actions, visible_cases
from otklik.cases.errors import ActionForbidden, NotVisible
from otklik.cases.tests.helpers import message, msk, routed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def water_case(cast, clock):
    return routed_case(cast, clock, msk(2025, 3, 3, 10, 0), orgs=[cast.water_org])


def test_specialist_head_and_observer_see_every_case_of_the_municipality(cast, clock, water_case):
    feed = actions.do_register_post(cast.municipality, message())
    for user in (cast.specialist, cast.coordinator, cast.head, cast.observer):
        assert set(visible_cases(user)) == {water_case, feed}


def test_executors_see_their_organization_and_the_responsible_those_below(cast, water_case):
    assert list(visible_cases(cast.water)) == [water_case]
    assert list(visible_cases(cast.housing)) == []  # an ordinary executor: their own organization only
    assert list(visible_cases(cast.housing_chief)) == [water_case]  # Водоканал is under ЖКХ (§7)
    assert list(visible_cases(cast.roads)) == []
    assert list(visible_cases(cast.stranger)) == []
    assert list(visible_cases(cast.outsider)) == []


def test_access_case_hides_foreign_cases_and_forbids_read_only_roles(cast, water_case):
    with pytest.raises(NotVisible):
        access_case(cast.roads, water_case)
    with pytest.raises(NotVisible):
        access_case(cast.stranger, water_case, for_action="submit_draft")
    with pytest.raises(ActionForbidden, match="только просмотр"):
        access_case(cast.head, water_case, for_action="route")
    with pytest.raises(ActionForbidden):
        access_case(cast.observer, water_case, for_action="approve_draft")
    assert access_case(cast.water, water_case, for_action="submit_draft") == water_case
    assert access_case(cast.specialist, water_case, for_action="route") == water_case


def test_a_past_assignment_keeps_the_case_visible_but_not_actionable(cast, clock, water_case):
    case = actions.do_return_assignment(water_case.assignments.get(), reason="Не наше", acting_user=cast.water)
    assert access_case(cast.water, case) == case
    assert allowed_actions(cast.water, case) == set()
    with pytest.raises(ActionForbidden):
        access_case(cast.water, case, for_action="submit_draft")


def test_allowed_actions_follow_role_and_state(cast, clock, water_case):
    assert allowed_actions(cast.water, water_case) == {"return_assignment", "submit_draft"}
    assert allowed_actions(cast.specialist, water_case) == {
        "route",
        "exclude",
        "mark_repeat",
        "flag_significant",
        "set_topic",
    }
    assert allowed_actions(cast.head, water_case) == set()
    assert allowed_actions(cast.roads, water_case) == set()
    case = actions.do_submit_draft(water_case, text="Ответ", acting_user=cast.water)
    assert {"approve_draft", "return_draft"} <= allowed_actions(cast.specialist, case)
    assert allowed_actions(cast.water, case) == set()


def test_superuser_sees_everything_but_acts_only_through_roles(cast, water_case):
    root = User.objects.create_superuser("root", "root@example.org", "pass")
    assert list(visible_cases(root)) == [water_case]
    assert allowed_actions(root, water_case) == set()
    with pytest.raises(ActionForbidden):
        actions.do_exclude_case(water_case, reason_code="threat", acting_user=root)


def test_actions_refuse_users_without_the_right(cast, clock, water_case):
    with pytest.raises(NotVisible):
        actions.do_submit_draft(water_case, text="Ответ", acting_user=cast.roads)
    with pytest.raises(NotVisible):
        actions.do_return_assignment(water_case.assignments.get(), reason="x", acting_user=cast.stranger)
    with pytest.raises(ActionForbidden):
        actions.do_route_case(water_case, [cast.roads_org], acting_user=cast.head)
    with pytest.raises(ActionForbidden):
        actions.do_submit_draft(water_case, text="Ответ", acting_user=cast.specialist)
    with pytest.raises(ActionForbidden):
        actions.do_exclude_case(water_case, reason_code="threat", acting_user=cast.water)
    water_case.refresh_from_db()
    assert (water_case.status, water_case.version) == ("assigned", 3)


def test_an_executor_cannot_act_on_another_organizations_assignment_of_a_visible_case(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10), orgs=[cast.roads_org, cast.water_org], lead=cast.roads_org)
    lead = case.assignments.get(organization=cast.roads_org)
    with pytest.raises(ActionForbidden, match="другой организации"):
        actions.do_return_assignment(lead, reason="Не наше", acting_user=cast.water)
    with pytest.raises(ActionForbidden):
        actions.do_submit_coexecutor_info(lead, text="Часть", acting_user=cast.water)


def test_a_parent_organizations_executor_no_longer_acts_on_a_subordinates_case(cast, water_case):
    with pytest.raises(NotVisible):
        access_case(cast.housing, water_case, for_action="submit_draft")
    with pytest.raises(NotVisible):
        actions.do_return_assignment(water_case.assignments.get(), reason="Не наше", acting_user=cast.housing)


def test_the_responsible_sees_and_assigns_a_subordinates_case(cast, water_case):
    assert allowed_actions(cast.housing_chief, water_case) == {"return_assignment", "submit_draft", "assign_person"}
    assert access_case(cast.housing_chief, water_case, for_action="assign_person") == water_case
    for user in (cast.water, cast.housing, cast.specialist, cast.head, cast.roads):
        with pytest.raises((NotVisible, ActionForbidden)):
            access_case(user, water_case, for_action="assign_person")
