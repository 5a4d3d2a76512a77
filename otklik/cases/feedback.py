"""§3: the regional centre (observer) finds a published answer unsatisfactory (re-exported by actions).

The case reopens for a corrected answer: the executor's §14 clock (``revise``) starts as after
a specialist's remarks, then the usual review and publication follow.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import emit, finish, lock_case, main_assignment, move, now, record, require, required_text
from otklik.cases.errors import InvalidTransition
from otklik.cases.models import Case, Draft
from otklik.cases.workflow import Status
from otklik.regulation.stages import Stage


def do_mark_unsatisfactory(case: Case, *, comment: str, acting_user: Any, expected_version: int | None = None) -> Case:
    """The published answer is unsatisfactory (with the observer's comment); a corrected one is due."""
    comment = required_text(comment, "чем ответ неудовлетворителен")
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "mark_unsatisfactory")
        if case.status != Status.ANSWERED:
            raise InvalidTransition("Оценить можно только размещённый ответ.")
        main = main_assignment(case)
        if main is None:
            raise InvalidTransition("У обращения нет исполнителя, который мог бы исправить ответ.")
        before = move(case, Status.REVISION, seen=None)
        last = Draft.objects.filter(case=case, outcome=Draft.Outcome.APPROVED).order_by("-version").first()
        revise = dl.open_deadline(
            case,
            Stage.REVISE,
            started_at=t,
            assignment=main,
            user_id=main.assignee_id or (last.author_id if last else None),
        )
        case.closed_at = None
        record(case, "answer_unsatisfactory", acting_user, before=before, at=t, comment=comment, deadline_id=revise.pk)
        finish(case, ["status", "closed_at"])
        emit("answer_unsatisfactory", case, acting_user, deadline_id=revise.pk)
    return case
