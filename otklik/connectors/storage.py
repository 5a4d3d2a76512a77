"""Storing what connectors bring: messages (once each), edits/deletions, the cursor.

One batch = one transaction: the new posts, the changes and the cursor after the
batch are committed together, so a crash at any point leaves the cursor before
anything not yet stored, and a re-run stores only what is missing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.cases import actions
from otklik.cases.actions import do_register_posts
from otklik.cases.models import Post
from otklik.connectors.base import Batch, Change, IncomingMessage
from otklik.connectors.models import CollectionState

_SURROGATES = re.compile("[\ud800-\udfff]")
MAX_RAW_TEXT = 64 * 1024


def clean_text(value: str) -> str:
    """Make any string storable: lone surrogates -> U+FFFD, NUL removed (PostgreSQL refuses both).

    Zero-width and right-to-left characters are kept: they are part of what was
    written; templates escape everything and pages mark text direction.
    """
    if not value:
        return ""
    return _SURROGATES.sub("\ufffd", value).replace("\x00", "")


def clean_raw(value: Any) -> Any:
    if isinstance(value, str):
        text = clean_text(value)
        return text if len(text) <= MAX_RAW_TEXT else text[:MAX_RAW_TEXT] + "…"
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_raw(v) for v in value]
    return value


def clean_message(message: IncomingMessage, account: Any = None) -> IncomingMessage:
    return dataclasses.replace(
        message,
        source_key=clean_text(message.source_key)[:255],
        text=clean_text(message.text),
        url=clean_text(message.url)[:1000],
        author_id=clean_text(message.author_id)[:128],
        author_name=clean_text(message.author_name)[:300],
        author_url=clean_text(message.author_url)[:1000],
        parent_key=clean_text(message.parent_key)[:255],
        attachments=[
            dataclasses.replace(a, url=clean_text(a.url)[:1000], name=clean_text(a.name)[:300])
            for a in message.attachments
        ],
        account=account if account is not None else message.account,
        raw=clean_raw(message.raw),
    )


def fresh_messages(messages: Iterable[IncomingMessage]) -> list[IncomingMessage]:
    """Drop messages already stored and repeats inside the batch (first one wins)."""
    by_network: dict[str, dict[str, IncomingMessage]] = {}
    for message in messages:
        by_network.setdefault(message.network, {}).setdefault(message.source_key, message)
    result: list[IncomingMessage] = []
    for network, keyed in by_network.items():
        stored: set[str] = set()
        keys = list(keyed)
        for i in range(0, len(keys), 500):
            stored.update(
                Post.objects.filter(network=network, source_key__in=keys[i : i + 500]).values_list(
                    "source_key", flat=True
                )
            )
        result += [m for k, m in keyed.items() if k not in stored]
    return result


def register_messages(
    municipality: Any, messages: list[IncomingMessage], *, detected: bool = False, acting_user: Any = None
) -> int:
    """Register new messages through the workflow's action; returns how many were new."""
    new = fresh_messages(messages)
    if new:
        do_register_posts(municipality, new, detected=detected, acting_user=acting_user, unseen=True)
    return len(new)


def apply_changes(changes: Iterable[Change], *, municipality: Any) -> int:
    """Reflect edits and deletions on the stored posts of ``municipality`` (see :func:`record_post_change`)."""
    return sum(record_post_change(change, municipality=municipality) for change in changes)


def record_post_change(change: Change, *, municipality: Any) -> int:
    """Record an edit/deletion of a source message through ``do_update_post`` (which also
    records it on the case). A restoration has no action: the deletion mark stays."""
    # Scoped to the collecting account's municipality: a key is unique per network only, and
    # another tenant's post must never be edited by this account's collection.
    post = (
        Post.objects.select_for_update()
        .filter(municipality=municipality, network=change.network, source_key=change.source_key)
        .first()
    )
    if post is None:
        return 0  # a change to something we never stored (older than collection): nothing to do
    if change.kind == "edited":
        if clean_text(change.text) == post.text:
            return 0
        actions.do_update_post(post, text=clean_text(change.text), edited_at=change.at)
        return 1
    if change.kind == "deleted":
        if post.deleted_at is not None:
            return 0
        actions.do_update_post(post, deleted=True, edited_at=change.at)
        return 1
    return 0


def store_batch(state_id: int, account: Any, batch: Batch) -> tuple[int, int]:
    """Store one batch and move the cursor, atomically. Returns (new messages, changes)."""
    messages = [clean_message(m, account) for m in batch.messages]
    with transaction.atomic():
        state = CollectionState.objects.select_for_update().get(pk=state_id)
        municipality = account.organization.municipality
        new = register_messages(municipality, messages)
        changed = apply_changes(batch.changes, municipality=municipality)
        today = timezone.localdate()
        if state.collected_day != today:
            state.collected_day, state.collected_today = today, 0
        state.collected_today += new
        state.collected_total += new
        state.changes_total += changed
        state.cursor = batch.cursor
        state.save(update_fields=["cursor", "collected_day", "collected_today", "collected_total", "changes_total"])
    return new, changed
