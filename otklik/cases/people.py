"""§7: people, not only organizations (re-exported by ``otklik.cases.actions``).

The organization's responsible person gives the organization's part of a case to a named
executor (or takes it back). The executor's clocks of that part follow the person: warnings
and the §23 report name them; with nobody named, the organization's responsible holds it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import emit, finish, lock_assignment, lock_case, now, record, refuse_unless, require
from otklik.cases.errors import ValidationFailed
from otklik.cases.models import Assignment, Case
from otklik.cases.workflow import CLOSED_STATUSES
from otklik.directory.models import Membership, Role


def _check_person(assignment: Assignment, person: Any) -> None:
    if person is None:
        return
    if getattr(person, "pk", None) is None or not person.is_active:
        raise ValidationFailed("Сотрудник не найден или заблокирован.")
    works_there = Membership.objects.filter(
        user=person, organization_id=assignment.organization_id, role__in=[Role.EXECUTOR, Role.ORG_RESPONSIBLE]
    ).exists()
    if not works_there:
        raise ValidationFailed(
            f"{person.get_full_name() or person.username} не работает в «{assignment.organization}»."
        )


def do_assign_person(
    assignment: Assignment, person: Any, *, acting_user: Any, expected_version: int | None = None
) -> Case:
    """Give the organization's part of the case to ``person`` (``None``: back to the whole organization)."""
    with transaction.atomic():
        case = lock_case(assignment.case_id, expected_version=expected_version)
        fresh = lock_assignment(assignment)
        require(acting_user, case, "assign_person", assignment=fresh)
        refuse_unless(
            fresh.is_active and case.status not in CLOSED_STATUSES,
            looked_possible=assignment.is_active,
            message="Назначить исполнителя можно только по направлению в работе.",
        )
        _check_person(fresh, person)
        before_id = fresh.assignee_id
        after_id = person.pk if person is not None else None
        if before_id == after_id:
            return case
        t = now()
        fresh.assignee_id = after_id
        fresh.save(update_fields=["assignee"])
        dl.reassign_open(fresh, after_id if after_id is not None else dl.holder_id(fresh))
        record(
            case,
            "person_assigned",
            acting_user,
            before=case.status,
            at=t,
            assignment_id=fresh.pk,
            organization_id=fresh.organization_id,
            assignee_before=before_id,
            assignee_after=after_id,
            assignee=(person.get_full_name() or person.username) if person is not None else "вся организация",
        )
        finish(case, [])
        emit("person_assigned", case, acting_user, assignment_id=fresh.pk, assignee_id=after_id, version=case.version)
    return case
