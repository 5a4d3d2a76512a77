"""Issue 18 §3: a person marks an absence; their notifications and cases go to the deputy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from otklik.cases import actions
from otklik.cases.tests.helpers import Clock, msk, routed_case
from otklik.directory.models import Membership, Role
from otklik.directory.people import deputising_for, do_cancel_absence, do_set_absence, present
from otklik.notify.models import Notification
from otklik.ops.models import AuditEntry

pytestmark = pytest.mark.django_db

AT = msk(2026, 11, 30, 10, 0)  # Monday
DEC_1, DEC_4 = dt.date(2026, 12, 1), dt.date(2026, 12, 4)


@pytest.fixture
def colleague(cast):  # type: ignore[no-untyped-def]
    user = User.objects.create_user("housing2", "housing2@example.org", "x", first_name="Пётр", last_name="Замов")
    Membership.objects.create(user=user, role=Role.EXECUTOR, organization=cast.housing_org)
    return user


def test_it_hands_notifications_to_the_deputy_during_the_absence_only(
    cast, colleague, django_capture_on_commit_callbacks
):
    do_set_absence(cast.housing, starts_on=DEC_1, ends_on=DEC_4, deputy=colleague, acting_user=cast.housing)
    with Clock(AT) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            case = routed_case(cast, clock, AT, orgs=[cast.housing_org])
            actions.do_assign_person(case.assignments.get(), cast.housing, acting_user=cast.housing_chief)
        assert Notification.objects.filter(user=cast.housing, kind="person_assigned").count() == 1  # not away yet
        clock.set(msk(2026, 12, 2, 10, 0))
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_assign_person(case.assignments.get(), None, acting_user=cast.housing_chief)
            actions.do_assign_person(case.assignments.get(), cast.housing, acting_user=cast.housing_chief)
    assert Notification.objects.filter(user=cast.housing, kind="person_assigned").count() == 1
    assert Notification.objects.filter(user=colleague, kind="person_assigned").count() == 1


def test_it_is_journalled_and_can_be_cancelled(cast, colleague):
    absence = do_set_absence(
        cast.housing, starts_on=DEC_1, ends_on=DEC_4, deputy=colleague, comment="отпуск", acting_user=cast.housing_chief
    )
    with Clock(msk(2026, 12, 2, 10, 0)):
        assert present([cast.housing]) == [colleague]
        assert deputising_for(colleague) == [cast.housing.pk]
        do_cancel_absence(absence, acting_user=cast.housing)
        assert present([cast.housing]) == [cast.housing]
    kinds = list(AuditEntry.objects.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == ["absence_set", "absence_cancelled"]
    assert AuditEntry.objects.get(kind="absence_set").data["deputy_id"] == colleague.pk


def test_an_absent_deputy_passes_it_on(cast, colleague):
    do_set_absence(cast.housing, starts_on=DEC_1, ends_on=DEC_4, deputy=colleague, acting_user=cast.housing)
    do_set_absence(colleague, starts_on=DEC_1, ends_on=DEC_1, deputy=cast.housing_chief, acting_user=colleague)
    with Clock(msk(2026, 12, 1, 10, 0)):
        assert present([cast.housing, colleague]) == [cast.housing_chief]
    with Clock(msk(2026, 12, 2, 10, 0)):
        assert present([cast.housing, colleague]) == [colleague]


@pytest.mark.parametrize(
    "who,deputy,starts,ends,message",
    [
        ("housing", "roads", DEC_1, DEC_4, "в той же организации"),
        ("housing", "housing", DEC_1, DEC_4, "другого сотрудника"),
        ("housing", "colleague", DEC_4, DEC_1, "не раньше"),
        ("roads", "colleague", DEC_1, DEC_4, "Отметить отсутствие может"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(cast, colleague, who, deputy, starts, ends, message):
    people = {"colleague": colleague, "housing": cast.housing, "roads": cast.roads}
    with pytest.raises(ValidationError, match=message):
        do_set_absence(cast.housing, starts_on=starts, ends_on=ends, deputy=people[deputy], acting_user=people[who])


def test_it_refuses_an_overlapping_absence(cast, colleague):
    do_set_absence(cast.housing, starts_on=DEC_1, ends_on=DEC_4, deputy=colleague, acting_user=cast.housing)
    with pytest.raises(ValidationError, match="уже отмечено"):
        do_set_absence(
            cast.housing, starts_on=DEC_4, ends_on=dt.date(2026, 12, 8), deputy=colleague, acting_user=cast.housing
        )


def test_a_deadline_warning_for_an_absent_person_reaches_the_deputy(
    cast, colleague, django_capture_on_commit_callbacks
):
    from otklik.cases.sweep import sweep

    do_set_absence(cast.housing, starts_on=DEC_1, ends_on=DEC_4, deputy=colleague, acting_user=cast.housing)
    at = msk(2026, 12, 2, 10, 0)
    with Clock(at) as clock, django_capture_on_commit_callbacks(execute=True):
        case = routed_case(cast, clock, at, orgs=[cast.housing_org])
        actions.do_assign_person(case.assignments.get(), cast.housing, acting_user=cast.housing_chief)
        sweep(msk(2026, 12, 2, 10, 50))  # §11: 60 minutes, warned before the end
    assert Notification.objects.filter(user=colleague, kind="deadline_warned").exists()
    assert not Notification.objects.filter(user=cast.housing, kind="deadline_warned").exists()
