"""Posting answers: a pending Publication -> the network -> confirmed or failed.

The workflow records the Publication as ``pending`` before anything is sent and
emits ``publication_pending``; we deliver it in a job:

1. lock the publication; stop unless it is still pending and no other delivery holds
   its lease;
2. if an earlier attempt started (the process died, or the network timed out after
   receiving the request), ask the network whether the answer is already there
   (``find_published``: VK and OK read the comments back, Telegram reads the journal of
   parts it keeps in ``Publication.parts``) — found: confirm it; not verifiable: fail it
   with a request to check by hand; certainly absent: go on;
3. record a new attempt and take the lease (the connector's ``delivery_seconds``), commit
   them, *then* call the network;
4. confirm, or fail on a permanent error; a transient error is re-raised so the job
   is retried later (step 2 runs again then).

:func:`sweep_publications` (every minute) picks up what a dead worker or a lost job left
pending, and fails what stayed unconfirmed for ``PUBLICATION_CONFIRM_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from otklik.cases import actions
from otklik.cases.models import Publication
from otklik.connectors.base import Connector, ConnectorError, NotVerifiable, OutgoingFile, Reply, connector_class
from otklik.connectors.collect import build_connector
from otklik.connectors.models import DeliveryAttempt

log = logging.getLogger(__name__)


def on_publication_pending(payload: dict[str, Any]) -> None:
    publication_id = payload.get("publication_id") or payload.get("publication")
    if publication_id:
        deliver_publication(int(publication_id))


def reply_for(publication: Any) -> Reply:
    post = publication.case.primary_post
    if post is None:
        raise ConnectorError("У обращения нет исходного сообщения — отвечать некуда", permanent=True)
    return Reply(
        target_key=post.source_key,
        text=publication.draft.text,
        idempotency_key=f"otklik-publication-{publication.pk}",
        files=[f for f in (_file(a) for a in publication.draft.attachments or []) if f is not None],
        target_url=post.url,
    )


def _file(attachment: Any) -> OutgoingFile | None:
    """Draft attachments are dicts with a ``path`` in the media storage (or ``name``)."""
    if not isinstance(attachment, dict):
        return None
    path = attachment.get("path") or attachment.get("file")
    if not path:
        return None
    with default_storage.open(path, "rb") as fh:
        content = fh.read()
    name = str(attachment.get("name") or path.rsplit("/", 1)[-1])
    ctype = attachment.get("content_type") or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return OutgoingFile(name, content, ctype)


def lease_seconds(publication: Any) -> float:
    """How long one delivery to the publication's network may take (its lease)."""
    network = publication.account.network if publication.account is not None else ""
    try:
        return float(connector_class(network).delivery_seconds)
    except ConnectorError:
        return float(Connector.delivery_seconds)


def deliver_publication(publication_id: int, *, connector: Any = None, final: bool = False) -> str:
    """Deliver one pending publication. Returns the outcome (for logs and tests).

    ``final`` (the sweep, once the confirm timeout has passed): only reconcile with the
    network — confirm what an earlier attempt posted, otherwise fail the publication with
    the reason — and post nothing new.
    """
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("case__primary_post", "draft", "account")
            .filter(pk=publication_id)
            .first()
        )
        if publication is None or publication.status != Publication.PubStatus.PENDING:
            return "not_pending"
        started = timezone.now()
        if publication.lease_until is not None and publication.lease_until > started:
            return "leased"  # another delivery is talking to the network right now
        # Only an attempt that may have reached the network counts: one that never
        # finished (the process died) or ended in a transient error (e.g. a timeout after
        # the request was sent). A permanent refusal, or a failure a person has since
        # looked at and retried, does not.
        last = publication.delivery_attempts.order_by("-started_at", "-id").first()
        earlier = last is not None and last.outcome in ("", "transient")
        attempt = DeliveryAttempt.objects.create(publication=publication, started_at=started)
        lease = started + dt.timedelta(seconds=lease_seconds(publication))
        Publication.objects.filter(pk=publication.pk).update(lease_until=lease)
    # The attempt row and the lease are committed: from here on a crash leaves a trace that
    # makes the next try check the network before posting, and nobody may fail or re-publish
    # the answer until the lease runs out.

    def finish(outcome: str, detail: str = "") -> str:
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=timezone.now(), outcome=outcome, detail=detail[:5000]
        )
        Publication.objects.filter(pk=publication.pk, lease_until=lease).update(lease_until=None)
        return outcome

    def save_parts(parts: list[str]) -> None:
        Publication.objects.filter(pk=publication.pk).update(parts=parts)

    try:
        if publication.account is None:
            raise ConnectorError("Не выбран аккаунт для публикации", permanent=True)
        reply = reply_for(publication)
        reply.parts = list(publication.parts or [])
        reply.save_parts = save_parts
        connector = connector or build_connector(publication.account)
        if earlier or final:
            try:
                found = connector.find_published(reply)
            except NotVerifiable as exc:
                actions.do_fail_publication(
                    publication,
                    error=f"{exc.message}. Предыдущая попытка могла дойти до сети — проверьте вручную, "
                    "прежде чем публиковать снова.",
                )
                return finish("unverifiable", exc.message)
            if found is not None:
                actions.do_confirm_publication(publication, external_id=found.external_id, url=found.url)
                return finish("found", found.external_id)
        if final:
            actions.do_fail_publication(publication, error=not_confirmed_reason())
            return finish("timed_out", "")
        published = connector.publish(reply)
    except ConnectorError as exc:
        if exc.permanent:
            actions.do_fail_publication(publication, error=exc.message)
            return finish("failed", exc.message)
        if final:
            actions.do_fail_publication(
                publication,
                error=f"{exc.message}. Не удалось проверить, дошёл ли ответ до сети, за {confirm_minutes()} мин. — "
                "проверьте вручную, прежде чем публиковать снова.",
            )
            return finish("unverifiable", exc.message)
        finish("transient", exc.message)
        raise  # the job is retried; the next try checks the network first
    # A process killed above leaves the attempt open; its lease runs out by itself and the
    # sweep reconciles with the network then.
    actions.do_confirm_publication(publication, external_id=published.external_id, url=published.url)
    return finish("published", published.external_id)


def confirm_minutes() -> int:
    return int(getattr(settings, "PUBLICATION_CONFIRM_MINUTES", 15))


def not_confirmed_reason() -> str:
    return (
        f"Соцсеть не подтвердила размещение за {confirm_minutes()} мин., ответа в сети нет. "
        "Повторите размещение или разместите ответ вручную."
    )


def sweep_publications(now: dt.datetime | None = None, *, make_connector: Any = None) -> dict[str, str]:
    """Every minute: nothing stays pending forever (issue 18 §2, issue 19 item 3).

    A pending publication whose delivery is not running (no lease, or the lease ran out:
    the worker died, or the queued job was lost) and that nobody touched for the delivery
    timeout is delivered again — reconciling with the network first, so nothing is posted
    twice. Once it has waited ``PUBLICATION_CONFIRM_MINUTES`` it is only reconciled: found
    in the network it is confirmed, otherwise it fails with the reason, for a person to
    retry or post by hand. Returns {publication id: outcome}.
    """
    now = now or timezone.now()
    idle = dt.timedelta(seconds=int(getattr(settings, "PUBLICATION_DELIVERY_TIMEOUT_SECONDS", 120)))
    overdue = now - dt.timedelta(minutes=confirm_minutes())
    candidates = (
        Publication.objects.filter(status=Publication.PubStatus.PENDING, pending_since__lte=now - idle)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .select_related("account")
        .order_by("pending_since")[:500]
    )
    outcomes: dict[str, str] = {}
    for publication in candidates:
        last = publication.delivery_attempts.order_by("-started_at", "-id").first()
        final = publication.pending_since is not None and publication.pending_since <= overdue
        if not final and last is not None and (last.finished_at or last.started_at) > now - idle:
            continue  # a recent try: its job's own retry comes first
        connector = make_connector(publication) if make_connector is not None else None
        try:
            outcome = deliver_publication(publication.pk, connector=connector, final=final)
        except ConnectorError as exc:
            outcome = "transient"
            log.info("publication %s: transient error on re-delivery: %s", publication.pk, exc.code)
        outcomes[str(publication.pk)] = outcome
    if outcomes:
        log.info("publication sweep: %s", outcomes)
    return outcomes
