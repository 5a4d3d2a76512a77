"""Per-credential rate limits: a fixed-window counter in the Django cache.

One counter per token (or per person for session calls) and window; ``cache.add`` +
``cache.incr`` are atomic in Redis and in the local-memory cache, so concurrent
requests never lose a count. With several web processes the cache must be shared
(Redis, ``REDIS_URL``) for the limit to be global; the local-memory cache limits
each process separately.

Settings: ``OTKLIK_API_RATE_LIMIT`` (people, default ``600/m``) and
``OTKLIK_API_SERVICE_RATE_LIMIT`` (integrations, default ``1200/m``); ``0`` switches off.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/m"`` → (600, 60). ``"0"`` or empty → (0, 0): unlimited."""
    rate = (rate or "").strip()
    if not rate or rate == "0":
        return 0, 0
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[(period or "m")[0].lower()]


class CredentialThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        principal = getattr(request, "auth", None)
        if principal is None:
            return True
        setting = "OTKLIK_API_SERVICE_RATE_LIMIT" if principal.is_service else "OTKLIK_API_RATE_LIMIT"
        default = "1200/m" if principal.is_service else "600/m"
        limit, period = parse_rate(getattr(settings, setting, default))
        if not limit:
            return True
        now = time.time()
        window = int(now // period)
        key = f"otklik:api:rl:{principal.rate_key}:{period}:{window}"
        cache = caches[getattr(settings, "OTKLIK_API_RATE_LIMIT_CACHE", "default")]
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
        if count > limit:
            self._wait = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return self._wait
