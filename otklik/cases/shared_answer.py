"""§19: one answer for a repeat and its earlier case — one approval, published in both places.

The specialist gives a repeat the answer already approved for the earlier case: it becomes the
repeat's own approved draft (approved by the same person, no second review), the stage clocks
still running on the repeat stop mattering (cancelled; a §9.2 route clock is met by the
decision), and the answer is then published on the repeat's own post like any approved one —
by the repeat's own «Разместить», or by the one on the earlier case, which posts it on every
repeat that took it (``publishing._publish_shared_repeats``), each its own Publication.
Re-exported by ``otklik.cases.actions``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import emit, finish, lock_case, move, now, record, require
from otklik.cases.errors import InvalidTransition, ValidationFailed
from otklik.cases.models import Case, Deadline, Draft
from otklik.cases.workflow import Status
from otklik.directory.models import file_kinds_for
from otklik.regulation.stages import Stage

SHAREABLE_FROM = (Status.NEW, Status.ASSIGNED, Status.REVIEW, Status.REVISION)


def approved_answer_of(case: Case) -> Draft | None:
    """The case's latest draft if it is an approved final answer."""
    draft = Draft.objects.filter(case=case).order_by("-version").first()
    if draft is None or draft.kind != Draft.Kind.FINAL or draft.outcome != Draft.Outcome.APPROVED:
        return None
    return draft


def do_share_answer(repeat: Case, *, acting_user: Any, expected_version: int | None = None) -> Case:
    """Give ``repeat`` the approved answer of the case it repeats (§19); next it is published."""
    t = now()
    with transaction.atomic():
        case = lock_case(repeat, expected_version=expected_version)
        require(acting_user, case, "share_answer")
        if case.repeat_of_id is None:
            raise ValidationFailed("Обращение не отмечено как повтор (п. 19).")
        earlier = Case.objects.get(pk=case.repeat_of_id)
        source = approved_answer_of(earlier)
        if source is None:
            raise InvalidTransition(f"По обращению №{earlier.pk} ещё нет согласованного ответа.")
        if case.status not in SHAREABLE_FROM:
            raise InvalidTransition(f"Обращение в статусе «{Status(case.status).label}»: общий ответ недоступен.")
        _refuse_files_the_network_does_not_take(case, source)
        before = move(case, Status.APPROVED, seen=None)
        dl.close_deadlines(case, [Stage.ROUTE], outcome=Deadline.Outcome.MET, at=t, by=acting_user)
        stages = [s for s in list(Stage) if s not in (Stage.ROUTE, Stage.PUBLISH_TOTAL)]
        dl.close_deadlines(case, stages, outcome=Deadline.Outcome.CANCELLED, at=t, by=acting_user)
        Draft.objects.filter(case=case, outcome=Draft.Outcome.PENDING).update(
            outcome=Draft.Outcome.RETURNED, remarks=f"Дан общий ответ с обращением №{earlier.pk} (п. 19).",
            reviewed_at=t,
        )  # fmt: skip
        last = Draft.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first()
        draft = Draft.objects.create(
            case=case,
            kind=Draft.Kind.FINAL,
            text=source.text,
            attachments=source.attachments,
            version=(last or 0) + 1,
            organization_id=source.organization_id,
            author_id=source.author_id,
            submitted_at=t,
            outcome=Draft.Outcome.APPROVED,
            reviewed_by_id=source.reviewed_by_id,
            reviewed_at=t,
        )
        record(
            case,
            "answer_shared",
            acting_user,
            before=before,
            at=t,
            draft_id=draft.pk,
            earlier_case_id=earlier.pk,
            earlier_draft_id=source.pk,
        )
        finish(case, ["status"])
        emit("draft_approved", case, acting_user, draft_id=draft.pk)
    return case


def _refuse_files_the_network_does_not_take(case: Case, source: Draft) -> None:
    """The earlier case may be in another network (§20: a video goes to VK, not to OK)."""
    post = case.primary_post
    kinds, message = file_kinds_for(post.network, post.source_key) if post is not None else (None, "")
    if kinds is None:
        return
    # Only stored files are sent to the network as files (links go in the text).
    attached = [a for a in source.attachments or [] if a.get("path")]
    wrong = [str(a.get("name") or "файл") for a in attached if a.get("type") not in kinds]
    if wrong:
        raise ValidationFailed(
            f"{message}: {', '.join(wrong[:3])}. Ответьте на это обращение отдельно или разместите ответ вручную."
        )
