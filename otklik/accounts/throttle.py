"""Login throttling (per address) and lockout (per user name), stored in the database so that
every web process sees the same counts.

- Lockout: ``LOGIN_LOCKOUT_FAILURES`` failures in a row for one user name lock it for
  ``LOGIN_LOCKOUT_MINUTES``; while locked even the right password is refused. A successful
  login resets the count; an administrator can unlock earlier (admin or ``otklik unlock``).
- Throttle: more than ``LOGIN_THROTTLE_PER_IP`` failures from one address within
  ``LOGIN_THROTTLE_WINDOW_MINUTES`` refuse further attempts from it until the window passes
  (guessing many user names from one address).
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otklik.ops.models import LoginAttempt, LoginLock


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _cfg(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def locked_for(username: str) -> dt.timedelta | None:
    """How much longer the user name stays locked, or None."""
    lock = LoginLock.objects.filter(username=_norm(username)).only("locked_until").first()
    now = timezone.now()
    if lock is None or lock.locked_until is None or lock.locked_until <= now:
        return None
    return lock.locked_until - now


def throttled_for(ip: str | None) -> dt.timedelta | None:
    """How much longer this address must wait, or None."""
    if not ip:
        return None
    window = dt.timedelta(minutes=_cfg("LOGIN_THROTTLE_WINDOW_MINUTES", 10))
    limit = _cfg("LOGIN_THROTTLE_PER_IP", 20)
    now = timezone.now()
    recent = list(
        LoginAttempt.objects.filter(ip=ip, at__gt=now - window).order_by("-at").values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    # The oldest of the last ``limit`` failures must leave the window before the next try.
    return recent[-1] + window - now


def register_failure(username: str, ip: str | None) -> bool:
    """Count a failed login; returns True when this failure locked the user name."""
    now = timezone.now()
    name = _norm(username)
    if ip:
        LoginAttempt.objects.create(ip=ip, username=name, at=now)
    if not name:
        return False
    threshold = _cfg("LOGIN_LOCKOUT_FAILURES", 5)
    with transaction.atomic():
        lock, _ = LoginLock.objects.select_for_update().get_or_create(username=name)
        if lock.locked_until and lock.locked_until <= now:
            lock.failures = 0  # the previous lock ran out: start counting afresh
            lock.locked_until = None
        lock.failures += 1
        lock.last_failure_at = now
        just_locked = lock.failures >= threshold and lock.locked_until is None
        if just_locked:
            lock.locked_until = now + dt.timedelta(minutes=_cfg("LOGIN_LOCKOUT_MINUTES", 15))
        lock.save()
    return just_locked


def register_success(username: str) -> None:
    LoginLock.objects.filter(username=_norm(username)).delete()


def unlock(username: str) -> bool:
    return LoginLock.objects.filter(username=_norm(username)).delete()[0] > 0


def purge_old_attempts() -> int:
    cutoff = timezone.now() - dt.timedelta(days=1)
    return LoginAttempt.objects.filter(at__lt=cutoff).delete()[0]


def minutes(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))
