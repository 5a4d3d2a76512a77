"""Posting answers: a pending Publication -> the network -> confirmed or failed.

The workflow records the Publication as ``pending`` before anything is sent and
emits ``publication_pending``; we deliver it in a job:

1. lock the publication; stop unless it is still pending;
2. if an earlier attempt started (the process died, or the network timed out after
   receiving the request), ask the network whether the answer is already there
   (``find_published``) — found: confirm it; not verifiable: fail it with a request
   to check by hand; certainly absent: go on;
3. record a new attempt and commit it, *then* call the network;
4. confirm, or fail on a permanent error; a transient error is re-raised so the job
   is retried later (step 2 runs again then).
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from otklik.cases import actions
from otklik.cases.models import Publication
from otklik.connectors.base import ConnectorError, NotVerifiable, OutgoingFile, Reply
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


def deliver_publication(publication_id: int, *, connector: Any = None) -> str:
    """Deliver one pending publication. Returns the outcome (for logs and tests)."""
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("case__primary_post", "draft", "account")
            .filter(pk=publication_id)
            .first()
        )
        if publication is None or publication.status != Publication.PubStatus.PENDING:
            return "not_pending"
        # Only an attempt that may have reached the network counts: one that never
        # finished (the process died) or ended in a transient error (e.g. a timeout after
        # the request was sent). A permanent refusal, or a failure a person has since
        # looked at and retried, does not.
        last = publication.delivery_attempts.order_by("-started_at", "-id").first()
        earlier = last is not None and last.outcome in ("", "transient")
        attempt = DeliveryAttempt.objects.create(publication=publication, started_at=timezone.now())
    # The attempt row is committed: from here on a crash leaves a trace that makes the
    # next try check the network before posting.

    def finish(outcome: str, detail: str = "") -> str:
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=timezone.now(), outcome=outcome, detail=detail[:5000]
        )
        return outcome

    try:
        if publication.account is None:
            raise ConnectorError("Не выбран аккаунт для публикации", permanent=True)
        reply = reply_for(publication)
        connector = connector or build_connector(publication.account)
        if earlier:
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
        published = connector.publish(reply)
    except ConnectorError as exc:
        if exc.permanent:
            actions.do_fail_publication(publication, error=exc.message)
            return finish("failed", exc.message)
        finish("transient", exc.message)
        raise  # the job is retried; the next try checks the network first
    actions.do_confirm_publication(publication, external_id=published.external_id, url=published.url)
    return finish("published", published.external_id)
