"""Storing collected messages as posts and cases (re-exported by ``otklik.cases.actions``).

Idempotent on (network, source_key): the unique constraint decides, so two collectors
storing the same message at once end with one post and one case. The batch path inserts
cases, posts, events and deadlines in bulk (a few queries per batch) for the connectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from otklik.cases import deadlines as dl
from otklik.cases._common import actor_of, administration_id, emit, finish, lock_case, now, record
from otklik.cases.errors import ActionForbidden, RegisteredElsewhere, ValidationFailed
from otklik.cases.models import Case, CaseEvent, Post
from otklik.cases.workflow import Status
from otklik.directory.models import Municipality, Network, OfficialAccount
from otklik.directory.roles import scope_of
from otklik.regulation.stages import Stage

Key = tuple[str, str]
MAX_KEY = 255


def _check_registrar(municipality: Municipality, acting_user: Any) -> None:
    if acting_user is None:
        return
    scope = scope_of(acting_user)
    if not scope.has_role(municipality.pk, "specialist", "coordinator"):
        raise ActionForbidden("Вносить сообщения вручную может ответственный специалист или координатор.")


def _validate(incoming: Any) -> Key:
    network = getattr(incoming, "network", "")
    key = getattr(incoming, "source_key", "")
    if network not in Network.values:
        raise ValidationFailed(f"Неизвестная соцсеть: {network!r}.")
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed("У сообщения нет ключа в источнике (или он длиннее 255 знаков).")
    published = getattr(incoming, "published_at", None)
    if not isinstance(published, dt.datetime) or published.tzinfo is None:
        raise ValidationFailed("У сообщения нет времени публикации с часовым поясом.")
    return (network, key)


def _attachments(incoming: Any) -> list[dict[str, str]]:
    out = []
    for a in getattr(incoming, "attachments", None) or ():
        if isinstance(a, dict):
            out.append(
                {"type": str(a.get("type", "other")), "url": str(a.get("url", "")), "name": str(a.get("name", ""))}
            )
        else:
            out.append({"type": str(a.type), "url": str(a.url), "name": str(getattr(a, "name", ""))})
    return out


def _post_for(municipality: Municipality, incoming: Any) -> Post:
    account = incoming.account if isinstance(incoming.account, OfficialAccount) else None
    return Post(
        municipality=municipality,
        network=incoming.network,
        source_key=incoming.source_key,
        url=(incoming.url or "")[:1000],
        author_id=(incoming.author_id or "")[:128],
        author_name=(incoming.author_name or "")[:300],
        author_url=(incoming.author_url or "")[:1000],
        text=incoming.text or "",
        attachments=_attachments(incoming),
        parent_key=(incoming.parent_key or "")[:255],
        published_at=incoming.published_at,
        account=account,
        raw=incoming.raw or {},
    )


def _existing(keys: Iterable[Key]) -> dict[Key, Post]:
    by_network: dict[str, list[str]] = {}
    for network, key in keys:
        by_network.setdefault(network, []).append(key)
    found: dict[Key, Post] = {}
    for network, source_keys in by_network.items():
        for post in Post.objects.filter(network=network, source_key__in=source_keys).select_related("case"):
            found[(post.network, post.source_key)] = post
    return found


def _refuse_foreign(municipality: Municipality, posts: dict[Key, Post]) -> None:
    """A message stored for another municipality is never handed over to this one (see RegisteredElsewhere)."""
    foreign = [
        key
        for key, post in posts.items()
        if post.municipality_id != municipality.pk
        or (post.case is not None and post.case.municipality_id != municipality.pk)
    ]
    if foreign:
        raise RegisteredElsewhere(foreign)


def _insert(
    municipality: Municipality, messages: list[Any], *, detected: bool, acting_user: Any, t: dt.datetime
) -> dict[Key, Case]:
    """Insert cases, posts, their events (and route clocks if detected). Raises IntegrityError on a race."""
    status = Status.NEW if detected else Status.FEED
    detected_by = actor_of(acting_user) if detected else None
    cases = [
        Case(municipality=municipality, status=status, detected_at=t if detected else None, detected_by=detected_by)
        for _ in messages
    ]
    Case.objects.bulk_create(cases)
    posts = [_post_for(municipality, m) for m in messages]
    for post, case in zip(posts, cases, strict=True):
        post.case = case
    Post.objects.bulk_create(posts)
    for post, case in zip(posts, cases, strict=True):
        case.primary_post = post
    actor = actor_of(acting_user)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            actor=actor,
            kind="case_created",
            created_at=t,
            data={
                "before": None,
                "after": status,
                "post_id": post.pk,
                "network": post.network,
                "source_key": post.source_key,
                "detected": detected,
            },
        )
        for post, case in zip(posts, cases, strict=True)
    )
    if detected and cases:
        # One computation serves the whole batch: every clock starts now.
        route = dl.open_deadlines(cases, Stage.ROUTE, started_at=t, organization_id=administration_id(cases[0]))[0]
        for case in cases:
            case.next_due_at = route.due_at
    _set_keys(cases)
    for post, case in zip(posts, cases, strict=True):
        emit("post_registered", case, acting_user, post_id=post.pk)
        if detected:
            emit("case_detected", case, acting_user)
    return {(p.network, p.source_key): c for p, c in zip(posts, cases, strict=True)}


def _set_keys(cases: list[Case]) -> None:
    """Point each new case at its post (and its route clock) by the cases' primary keys: the plan
    never depends on planner statistics, so a fresh database collects at a flat cost (issue 22;
    a correlated subquery over posts turned quadratic there)."""
    Case.objects.bulk_update(cases, ["primary_post", "next_due_at"])


def do_register_posts(
    municipality: Municipality,
    incomings: Iterable[Any],
    *,
    detected: bool = False,
    acting_user: Any = None,
    unseen: bool = False,
) -> list[Case]:
    """Store a batch of messages in one transaction; one case per message, in input order.

    A message stored before for this municipality returns its existing case unchanged. A
    message already stored for *another* municipality raises :class:`RegisteredElsewhere`
    and nothing of the batch is stored: a post belongs to one tenant (unique on network and
    source_key), and one tenant's case is never returned to another.
    ``detected=True`` (manual entry, pushes from the regional centre) opens cases in
    ``new`` with the §9.2 route clock running. ``unseen=True``: the caller has just dropped the
    messages already stored (``connectors.storage.fresh_messages``), so the batch is not looked up
    a second time; one stored meanwhile is still caught by the unique constraint below.
    """
    messages = list(incomings)
    _check_registrar(municipality, acting_user)
    first: dict[Key, Any] = {}
    order: list[Key] = []
    for m in messages:
        key = _validate(m)
        order.append(key)
        first.setdefault(key, m)
    if not messages:
        return []
    t = now()
    with transaction.atomic():
        existing = {} if unseen else _existing(first)
        _refuse_foreign(municipality, existing)
        found = {k: p.case for k, p in existing.items() if p.case is not None}
        for key, post in existing.items():
            if post.case is None:  # a post stored without a case (an import, old data): give it one
                found[key] = _case_for_orphan(post, detected=detected, acting_user=acting_user, t=t)
        fresh = [m for k, m in first.items() if k not in found]
        if fresh:
            try:
                with transaction.atomic():
                    found.update(_insert(municipality, fresh, detected=detected, acting_user=acting_user, t=t))
            except IntegrityError:
                # Someone stored some of these meanwhile: go one by one, each in its own savepoint.
                for m in fresh:
                    key = (m.network, m.source_key)
                    try:
                        with transaction.atomic():
                            found.update(_insert(municipality, [m], detected=detected, acting_user=acting_user, t=t))
                    except IntegrityError:
                        stored = _existing([key]).get(key)
                        if stored is None or stored.case is None:
                            raise
                        _refuse_foreign(municipality, {key: stored})
                        found[key] = stored.case
    return [found[k] for k in order]


def _case_for_orphan(post: Post, *, detected: bool, acting_user: Any, t: dt.datetime) -> Case:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.case_id is not None:
        return Case.objects.get(pk=post.case_id)
    case = Case.objects.create(
        municipality_id=post.municipality_id,
        status=Status.NEW if detected else Status.FEED,
        primary_post=post,
        detected_at=t if detected else None,
        detected_by=actor_of(acting_user) if detected else None,
    )
    post.case = case
    post.save(update_fields=["case"])
    record(
        case,
        "case_created",
        acting_user,
        before=None,
        at=t,
        post_id=post.pk,
        network=post.network,
        source_key=post.source_key,
        detected=detected,
    )
    if detected:
        dl.open_deadline(case, Stage.ROUTE, started_at=t, organization_id=administration_id(case))
    finish(case, [])
    emit("post_registered", case, acting_user, post_id=post.pk)
    return case


def do_register_post(
    municipality: Municipality, incoming: Any, *, detected: bool = False, acting_user: Any = None
) -> Case:
    """Store one message (see :func:`do_register_posts`)."""
    return do_register_posts(municipality, [incoming], detected=detected, acting_user=acting_user)[0]


def do_update_post(
    post: Post, *, text: str | None = None, deleted: bool = False, edited_at: dt.datetime | None = None
) -> Case | None:
    """The source message was edited or deleted: reflect it on the post and record it on the case.

    Called by connectors (the system). Repeating the same change changes nothing.
    """
    t = now()
    with transaction.atomic():
        # Post first, then its case: the connectors' storage locks the post before calling us.
        fresh = Post.objects.select_for_update().get(pk=post.pk)
        case = lock_case(fresh.case_id) if fresh.case_id else None
        changes: dict[str, Any] = {}
        fields: list[str] = []
        if text is not None and text != fresh.text:
            changes.update(text_before=fresh.text, text_after=text)
            fresh.text = text
            fresh.edited_at = edited_at or t
            fields += ["text", "edited_at"]
        if deleted and fresh.deleted_at is None:
            changes["deleted"] = True
            fresh.deleted_at = edited_at or t
            fields.append("deleted_at")
        if not fields:
            return case
        fresh.save(update_fields=fields)
        if case is not None:
            kind = "post_deleted" if changes.get("deleted") and "text_after" not in changes else "post_edited"
            record(case, kind, None, before=case.status, at=t, post_id=fresh.pk, **changes)
            finish(case, [])
            emit("post_updated", case, None, post_id=fresh.pk)
    return case
