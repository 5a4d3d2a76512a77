"""§12, §16: publishing the approved answer (re-exported by ``otklik.cases.actions``).

A Publication is recorded ``pending`` before any network call; the connectors issue
subscribes to ``publication_pending``, posts, and finishes with
:func:`do_confirm_publication` or :func:`do_fail_publication`. A failed publication is
retried by calling :func:`do_publish_answer` again (the failed row is reused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.cases import deadlines as dl
from otklik.cases._common import (
    emit,
    finish,
    lock_case,
    main_assignment,
    move,
    now,
    record,
    refuse_unless,
    require,
    seen_version,
    stale_or,
    valid_url,
)
from otklik.cases.errors import ActionError, InvalidTransition, ValidationFailed
from otklik.cases.models import Case, CaseEvent, Deadline, Draft, Publication
from otklik.cases.workflow import Status
from otklik.directory.models import OfficialAccount, url_matches_network
from otklik.regulation.stages import Stage

PS = Publication.PubStatus


def _network(case: Case) -> str | None:
    post = case.primary_post
    return post.network if post is not None else None


def choose_publication_account(case: Case) -> OfficialAccount | None:
    """DESIGN.md rule: the official account on whose wall the message appeared; else the
    executor organization's account in that network; else the administration's."""
    network = _network(case)
    if network is None:
        return None
    post = case.primary_post
    accounts = OfficialAccount.objects.filter(
        network=network, is_active=True, organization__municipality_id=case.municipality_id
    )
    if post is not None and post.account_id:
        own = accounts.filter(pk=post.account_id).first()
        if own is not None:
            return own
    executor = (
        case.assignments.filter(is_active=True, role__in=("sole", "lead")).values_list("organization_id", flat=True)
    ).first()
    if executor is not None:
        account = accounts.filter(organization_id=executor).order_by("pk").first()
        if account is not None:
            return account
    admin = case.municipality.administration()
    if admin is not None:
        return accounts.filter(organization=admin).order_by("pk").first()
    return None


def _check_account(case: Case, account: OfficialAccount) -> OfficialAccount:
    fresh = OfficialAccount.objects.select_related("organization").filter(pk=account.pk).first()
    if fresh is None or not fresh.is_active:
        raise ValidationFailed("Этот официальный аккаунт не действует.")
    if fresh.organization.municipality_id != case.municipality_id:
        raise ValidationFailed("Аккаунт принадлежит организации другого муниципального образования.")
    if fresh.network != _network(case):
        raise ValidationFailed("Ответ размещается в той же соцсети, где опубликовано сообщение (п. 16).")
    return fresh


def do_publish_answer(
    case: Case,
    *,
    account: OfficialAccount | None = None,
    external_url: str | None = None,
    acting_user: Any,
    expected_version: int | None = None,
) -> Case:
    """§12, §16: record the approved answer as a pending publication (before any network call).

    With ``external_url`` (posted by hand, link pasted) the publication is confirmed at once
    and no ``publication_pending`` event goes out, so nothing is posted twice.
    """
    if external_url is not None:
        external_url = valid_url(external_url, "ссылка на размещённый ответ")
    seen = seen_version(case)
    t = now()
    with transaction.atomic():
        case = lock_case(case, expected_version=expected_version)
        require(acting_user, case, "publish")
        stale_or(
            case.status == Status.APPROVED,
            seen=seen,
            locked=case,
            message="Разместить можно только согласованный проект ответа (п. 12).",
        )
        network = _network(case)
        if external_url is not None and network and not url_matches_network(external_url, network):
            raise ValidationFailed("Ссылка ведёт не в ту соцсеть, где опубликовано сообщение.")
        draft = Draft.objects.filter(case=case).order_by("-version").first()
        if draft is None or draft.outcome != Draft.Outcome.APPROVED:
            raise InvalidTransition("Разместить можно только согласованный проект ответа (п. 12).")
        rows = list(Publication.objects.select_for_update().filter(draft=draft).order_by("-id"))
        if external_url is None and any(p.status == PS.PENDING and not is_stuck(p, t) for p in rows):
            raise InvalidTransition("Ответ уже размещается: дождитесь результата.")
        # A stuck pending answer (no delivery running for a while) may be sent again — the
        # delivery reconciles with the network first — or closed by hand with its link.
        if any(p.status == PS.PUBLISHED for p in rows):
            raise InvalidTransition("Ответ уже размещён.")
        chosen = _check_account(case, account) if account is not None else choose_publication_account(case)
        if chosen is None and external_url is None:
            raise ValidationFailed(
                "Нет официального аккаунта в этой соцсети: разместите ответ вручную и укажите ссылку на него."
            )
        publication = _queue(case, draft, rows, chosen, acting_user, t, manual=external_url is not None)
        if external_url is not None:
            _confirm(case, publication, draft, external_id="", url=external_url, actor=acting_user, t=t)
        else:
            finish(case, [])
            emit("publication_pending", case, acting_user, publication_id=publication.pk, draft_id=draft.pk)
            _publish_shared_repeats(case, draft, acting_user, t)
    return case


def _queue(
    case: Case,
    draft: Draft,
    rows: list[Publication],
    chosen: OfficialAccount | None,
    acting_user: Any,
    t: dt.datetime,
    *,
    manual: bool,
    **data: Any,
) -> Publication:
    """Record the pending publication of ``draft`` (reusing its failed row) and journal it."""
    failed = rows[0] if rows else None
    if failed is not None:
        refuse_while_delivering(failed, t)
        failed.status = PS.PENDING
        failed.account = chosen
        failed.error = ""
        failed.attempts += 1
        failed.created_by = acting_user or None
        failed.pending_since = t
        # A person who retries has looked at the network: a part whose fate was unknown
        # is taken as not posted; the parts known to be posted are not posted again.
        failed.parts = [p for p in failed.parts or [] if p != "?"]
        failed.save(update_fields=["status", "account", "error", "attempts", "created_by", "pending_since", "parts"])
        publication = failed
    else:
        publication = Publication.objects.create(
            case=case,
            draft=draft,
            kind=draft.kind,
            account=chosen,
            status=PS.PENDING,
            attempts=1,
            created_by=acting_user or None,
            created_at=t,
            pending_since=t,
        )
    record(
        case,
        "publication_pending",
        acting_user,
        before=case.status,
        at=t,
        account_id=chosen.pk if chosen else None,
        kind=draft.kind,
        manual=manual,
        attempt=publication.attempts,
        publication_id=publication.pk,
        draft_id=draft.pk,
        **data,
    )
    return publication


def shared_repeats(earlier: Case, draft: Draft) -> list[int]:
    """§19: the repeats of ``earlier`` given its approved ``draft`` and still waiting to publish it."""
    pairs = CaseEvent.objects.filter(
        kind="answer_shared",
        case__repeat_of_id=earlier.pk,
        case__status=Status.APPROVED,
        data__earlier_draft_id=draft.pk,
    ).values_list("case_id", flat=True)
    return sorted(set(pairs))


def _publish_shared_repeats(earlier: Case, draft: Draft, acting_user: Any, t: dt.datetime) -> None:
    """§19 «одним ответом»: one «Разместить» on the earlier case also posts the shared answer on
    each repeat that took it — its own Publication, on its own post and account, its own clocks.

    Cases are locked earlier first, then the repeats in id order; a repeat that cannot be
    posted now (being posted already, no account, no right) keeps its own «Разместить».
    """
    for repeat_id in shared_repeats(earlier, draft):
        repeat = lock_case(repeat_id)
        if repeat.status != Status.APPROVED:
            continue
        own = Draft.objects.filter(case=repeat).order_by("-version").first()
        shared = CaseEvent.objects.filter(
            case=repeat, kind="answer_shared", data__earlier_draft_id=draft.pk, data__draft_id=getattr(own, "pk", None)
        ).exists()
        if own is None or own.outcome != Draft.Outcome.APPROVED or not shared:
            continue
        try:
            require(acting_user, repeat, "publish")
        except ActionError:
            continue
        rows = list(Publication.objects.select_for_update().filter(draft=own).order_by("-id"))
        if any(p.status != PS.FAILED for p in rows) or (rows and rows[0].lease_until and rows[0].lease_until > t):
            continue
        chosen = choose_publication_account(repeat)
        if chosen is None:
            continue
        publication = _queue(repeat, own, rows, chosen, acting_user, t, manual=False, with_case_id=earlier.pk)
        finish(repeat, [])
        emit("publication_pending", repeat, acting_user, publication_id=publication.pk, draft_id=own.pk)


def is_stuck(publication: Publication, t: dt.datetime) -> bool:
    """Pending, no delivery running (no lease, or it ran out) and nothing heard for the
    delivery timeout: the case page offers «Повторить» and «Разместить вручную»."""
    return publication.is_stuck(t)


def refuse_while_delivering(publication: Publication, t: dt.datetime) -> None:
    """Issue 19 item 4: while a delivery holds the lease, the network may be taking the answer
    right now — marking it failed or posting it again could post it twice."""
    if publication.lease_until is not None and publication.lease_until > t:
        raise InvalidTransition(
            "Ответ сейчас отправляется в соцсеть: дождитесь результата (не дольше чем до "
            f"{timezone.localtime(publication.lease_until):%H:%M})."
        )


def _confirm(
    case: Case, publication: Publication, draft: Draft, *, external_id: str, url: str, actor: Any, t: dt.datetime
) -> None:
    publication.status = PS.PUBLISHED
    publication.external_id = external_id
    publication.url = url
    publication.error = ""
    publication.published_at = t
    publication.lease_until = None
    publication.confirmed_by = actor or None
    publication.save(
        update_fields=["status", "external_id", "url", "error", "published_at", "lease_until", "confirmed_by"]
    )
    # §16: the first publication, intermediate or final, meets the total clock.
    dl.close_deadlines(case, [Stage.PUBLISH_TOTAL], outcome=Deadline.Outcome.MET, at=t, by=actor)
    ids = {"publication_id": publication.pk, "draft_id": draft.pk}
    if publication.kind == Draft.Kind.INTERMEDIATE:
        before = move(case, Status.INTERMEDIATE, seen=None)
        main = main_assignment(case)
        clock = dl.open_deadline(
            case,
            Stage.FINAL_AFTER_INTERMEDIATE,
            started_at=t,
            assignment=main,
            organization_id=draft.organization_id,
            user_id=draft.author_id,
        )
        record(case, "case_intermediate", actor, before=before, at=t, deadline_id=clock.pk, url=url, **ids)
        finish(case, ["status"])
        emit("case_intermediate", case, actor, deadline_id=clock.pk, **ids)
    else:
        before = move(case, Status.ANSWERED, seen=None)
        dl.close_deadlines(case, None, outcome=Deadline.Outcome.CANCELLED, at=t, by=actor)
        case.answered_at = t
        case.closed_at = t
        record(case, "case_answered", actor, before=before, at=t, url=url, **ids)
        finish(case, ["status", "answered_at", "closed_at"])
        emit("case_answered", case, actor, **ids)


def do_confirm_publication(publication: Publication, *, external_id: str, url: str, acting_user: Any = None) -> Case:
    """The network accepted the answer: called by the connectors as the system, or by a
    specialist who saw it there (``acting_user``, recorded as the actor).

    Confirming the same publication again with the same id changes nothing; a late
    confirmation of a publication marked failed is accepted (the network is the truth).
    A person must give the answer's link, in the network where the message was posted.
    """
    external_id = str(external_id or "")[:255]
    if acting_user is not None:
        url = valid_url(url, "ссылка на размещённый ответ")
    else:
        # The answer is already live: a strange link from the network must not lose the confirmation.
        try:
            url = valid_url(url, "ссылка") if url else ""
        except ValidationFailed:
            url = ""
    t = now()
    with transaction.atomic():
        case = lock_case(publication.case_id)
        if acting_user is not None:
            require(acting_user, case, "confirm_publication")
            network = _network(case)
            if network and not url_matches_network(url, network):
                raise ValidationFailed("Ссылка ведёт не в ту соцсеть, где опубликовано сообщение.")
        fresh = Publication.objects.select_for_update().get(pk=publication.pk)
        if fresh.status == PS.PUBLISHED:
            if fresh.external_id == external_id:
                return case
            raise InvalidTransition("Эта публикация уже подтверждена с другим идентификатором.")
        refuse_unless(
            case.status == Status.APPROVED,
            looked_possible=False,
            message="Обращение больше не ожидает размещения ответа.",
        )
        draft = Draft.objects.get(pk=fresh.draft_id)
        _confirm(case, fresh, draft, external_id=external_id, url=url or "", actor=acting_user, t=t)
    return case


def do_fail_publication(publication: Publication, *, error: str, acting_user: Any = None) -> Case:
    """The network refused or the attempt failed for good; the answer can be published again.

    Called by the delivery (the system) or by a person through the API (``acting_user``),
    who may not do it while a delivery holds the publication's lease.
    """
    error = str(error or "Неизвестная ошибка")[:4000]
    t = now()
    with transaction.atomic():
        case = lock_case(publication.case_id)
        if acting_user is not None:
            require(acting_user, case, "publish")
        fresh = Publication.objects.select_for_update().get(pk=publication.pk)
        if fresh.status == PS.FAILED:
            return case
        if fresh.status != PS.PENDING:
            raise InvalidTransition("Публикация уже подтверждена: отметить её ошибочной нельзя.")
        if acting_user is not None:
            refuse_while_delivering(fresh, t)
        fresh.status = PS.FAILED
        fresh.error = error
        fresh.lease_until = None
        fresh.save(update_fields=["status", "error", "lease_until"])
        record(
            case,
            "publication_failed",
            acting_user,
            before=case.status,
            at=t,
            publication_id=fresh.pk,
            draft_id=fresh.draft_id,
            error=error,
        )
        finish(case, [])
        emit(
            "publication_failed",
            case,
            acting_user,
            publication_id=fresh.pk,
            draft_id=fresh.draft_id,
            published_by=fresh.created_by_id,
        )
    return case
