"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every cache operation; a
``redis.Redis`` fills a table of some 170 response callbacks when it is made, which cost
more than the round trip of a ``GET`` on every API call (roles, rate limits). The client
is thread-safe (each command takes a connection from the pool), and Django already keeps
one cache object per thread.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client


# ---- generation marks ------------------------------------------------------------------------
#
# Things kept across requests (a user's roles, API tokens) are kept with the value of a mark
# in the shared cache; a change of what they were read from puts a new value in the mark, so
# everything kept under the old one is out of date in every process at once.


def marks(keys: list[str], found: dict[str, Any] | None = None) -> list[Any]:
    """The current values of the generation marks ``keys`` (a missing one — first use, or the
    cache was emptied — is started); ``found``: a ``get_many`` result that already has them."""
    from django.core.cache import cache

    found = cache.get_many(keys) if found is None else found
    missing = [key for key in keys if found.get(key) is None]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        found = {**found, **cache.get_many(missing)}
    return [found.get(key) for key in keys]


def new_mark(key: str) -> None:
    """What the mark ``key`` stands for changed: everything kept under it is out of date."""
    from django.core.cache import cache

    cache.set(key, uuid.uuid4().hex, timeout=None)
