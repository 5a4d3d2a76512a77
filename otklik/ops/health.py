"""Liveness (/healthz) and readiness (/readyz) checks.

/healthz answers as long as the process runs. /readyz says whether this web process can do
its work: the database answers, Redis (when configured) answers, and the job consumer beat
recently (``READYZ_MAX_JOB_LAG`` seconds, default 180: the heartbeat job runs every minute).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from otklik.directory.models import Heartbeat


def heartbeat_age() -> float | None:
    beat = Heartbeat.objects.filter(name="consumer").values_list("beat_at", flat=True).first()
    if beat is None:
        return None
    return max(0.0, (timezone.now() - beat).total_seconds())


def _timed(fn: Any) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = fn() or {}
        ok = result.pop("ok", True)
    except Exception as exc:  # every failure is reported, none is raised
        ok, result = False, {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), **result}


def _database() -> dict[str, Any]:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _redis() -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _jobs() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    limit = getattr(settings, "READYZ_MAX_JOB_LAG", 180)
    age = heartbeat_age()
    result: dict[str, Any] = {"queued": HUEY.pending_count(), "lag_seconds": None if age is None else round(age)}
    if age is None:
        result.update(ok=False, error="обработчик фоновых задач ещё ни разу не отметился")
    elif age > limit:
        result.update(ok=False, error=f"обработчик фоновых задач молчит {round(age)} с (допустимо {limit} с)")
    return result


def readiness() -> tuple[bool, dict[str, Any]]:
    checks = {"database": _timed(_database)}
    if getattr(settings, "REDIS_URL", ""):
        checks["redis"] = _timed(_redis)
    if checks["database"]["ok"] and getattr(settings, "READYZ_CHECK_JOBS", True):
        checks["jobs"] = _timed(_jobs)
    return all(c["ok"] for c in checks.values()), checks
