"""API tokens kept in each process between requests, checked against one shared mark.

Every API call starts by finding its token (and the owner, and the owner's roles). With a
shared cache (Redis: ``REDIS_URL``), a process keeps what it found for
``OTKLIK_API_TOKEN_CACHE_SECONDS`` and, on each call, asks Redis only for two generation
marks — the tokens' (here) and the roles' (``directory.roles``, which then keeps the owner's
roles in the process under the same mark) — in one round trip (``ops.cache.marks``). Any
change of a token or of a user (revoked, expiry changed, deleted, deactivated: saved or
deleted through the models, or by the admin's bulk revoke, which calls
:func:`tokens_changed`) makes a new mark, so every process forgets what it kept at its next
call: a revoked token is refused at once everywhere. Expiry is checked on every call.

What is kept are the row's values, not model instances: each call builds its own instances
(requests on other threads never share a user object).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from otklik.api.models import ApiToken, ServiceToken
from otklik.ops.cache import marks, new_mark

GENERATION_KEY = "otklik:auth:generation"
SIZE = 4096  # tokens kept per process (the least recently used are dropped first)


@dataclass
class Kept:
    values: list[Any]  # the token with its owner or municipality, as Loader.rows gives them
    generation: str
    last_used_at: Any = None  # once the token's use was recorded after it was kept
    kept_at: float = 0.0


_kept: OrderedDict[str, Kept] = OrderedDict()
_lock = threading.Lock()


def seconds() -> int:
    return int(getattr(settings, "OTKLIK_API_TOKEN_CACHE_SECONDS", 0))


def generations() -> tuple[Any, Any]:
    """The tokens' and the roles' generation marks, in one round trip."""
    from otklik.directory.roles import GENERATION_KEY as SCOPE_GENERATION_KEY

    tokens, roles = marks([GENERATION_KEY, SCOPE_GENERATION_KEY])
    return tokens, roles


def get(token_hash: str, generation: Any) -> Kept | None:
    with _lock:
        kept = _kept.get(token_hash)
        if kept is None:
            return None
        if kept.generation != generation or time.monotonic() - kept.kept_at > seconds():
            del _kept[token_hash]
            return None
        _kept.move_to_end(token_hash)
        return kept


def put(token_hash: str, values: list[Any], generation: Any) -> Kept:
    kept = Kept(values=values, generation=generation, kept_at=time.monotonic())
    with _lock:
        _kept[token_hash] = kept
        _kept.move_to_end(token_hash)
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return kept


def tokens_changed(**kwargs: Any) -> None:
    """A token or a user changed: every process forgets the tokens it keeps."""
    fields = kwargs.get("update_fields")
    if fields is not None and set(fields) <= {"last_login", "last_used_at"}:
        return  # a sign-in, a use: nothing a token's validity depends on
    with _lock:
        _kept.clear()
    if seconds() > 0:
        new_mark(GENERATION_KEY)


def connect() -> None:
    for model in (ApiToken, ServiceToken, get_user_model()):
        name = model.__name__
        post_save.connect(tokens_changed, sender=model, dispatch_uid=f"api-tokens-{name}-save")
        post_delete.connect(tokens_changed, sender=model, dispatch_uid=f"api-tokens-{name}-delete")
