"""Events out of the core: actions publish, other apps subscribe.

An action calls :func:`publish` inside its transaction; the event is dispatched only
after the transaction commits (``transaction.on_commit``), and each handler runs as a
background job, so a slow or failing subscriber never blocks or breaks the action.
The core imports none of its subscribers: they register in their AppConfig.ready().
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from huey.contrib.djhuey import db_task

log = logging.getLogger(__name__)

KINDS = frozenset(
    {
        "post_registered",
        "post_updated",
        "case_detected",
        "case_routed",
        "person_assigned",
        "assignment_returned",
        "coexec_info_submitted",
        "coexec_info_approved",
        "coexec_info_returned",
        "coexec_skipped",
        "draft_submitted",
        "draft_returned",
        "draft_approved",
        "publication_pending",
        "publication_failed",
        "case_answered",
        "answer_unsatisfactory",
        "case_intermediate",
        "case_excluded",
        "case_dismissed",
        "case_marked_repeat",
        "case_flagged_significant",
        "deadline_warned",
        "deadline_breached",
    }
)

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def _name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(kind: str, handler: Handler) -> None:
    """Register ``handler(payload)`` for ``kind``. Idempotent (reloads don't double it)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if all(_name(h) != _name(handler) for h in _handlers[kind]):
        _handlers[kind].append(handler)


def handlers_for(kind: str) -> list[Handler]:
    return list(_handlers.get(kind, ()))


def publish(kind: str, payload: dict[str, Any]) -> None:
    """Dispatch after the current transaction commits (at once outside a transaction)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    transaction.on_commit(lambda: _dispatch(kind, payload))


def _dispatch(kind: str, payload: dict[str, Any]) -> None:
    for handler in handlers_for(kind):
        run_handler(kind, _name(handler), payload)


@db_task(retries=3, retry_delay=10)
def run_handler(kind: str, handler_name: str, payload: dict[str, Any]) -> None:
    for handler in handlers_for(kind):
        if _name(handler) == handler_name:
            handler(payload)
            return
    log.warning("no handler %s for %s (not registered in this process)", handler_name, kind)
