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
from django.db.models import F
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


class Refused(Exception):
    """A login attempt refused before the password is looked at: ``code`` is ``throttled``
    (too many failures from the address) or ``locked`` (the user name is locked)."""

    def __init__(self, code: str, wait: dt.timedelta) -> None:
        super().__init__(code)
        self.code = code
        self.wait = wait


class Attempt:
    """One login attempt, counted *before* the password (or code) is checked, so parallel
    guesses cannot all pass the check first: :func:`begin` counts it as a failure; the
    caller then reports :meth:`succeeded` (the count is reset) or :meth:`failed`."""

    def __init__(self, name: str, attempt_id: int | None) -> None:
        self.name = name
        self.attempt_id = attempt_id

    def failed(self) -> bool:
        """The check failed (already counted); returns True when this failure locked the name."""
        if not self.name:
            return False
        now = timezone.now()
        with transaction.atomic():
            lock = LoginLock.objects.select_for_update().filter(username=self.name).first()
            if lock is None or lock.failures < _cfg("LOGIN_LOCKOUT_FAILURES", 5) or lock.locked_until is not None:
                return False
            lock.locked_until = now + dt.timedelta(minutes=_cfg("LOGIN_LOCKOUT_MINUTES", 15))
            lock.save(update_fields=["locked_until"])
        return True

    def succeeded(self) -> None:
        if self.attempt_id is not None:
            LoginAttempt.objects.filter(pk=self.attempt_id).delete()
        register_success(self.name)


def begin(username: str, ip: str | None) -> Attempt:
    """Count a login attempt atomically, before any check; raise :class:`Refused` when the
    address or the user name has no attempts left."""
    now = timezone.now()
    name = _norm(username)
    attempt_id = None
    if ip:
        attempt_id = LoginAttempt.objects.create(ip=ip, username=name, at=now).pk
        window = dt.timedelta(minutes=_cfg("LOGIN_THROTTLE_WINDOW_MINUTES", 10))
        limit = _cfg("LOGIN_THROTTLE_PER_IP", 20)
        recent = list(
            LoginAttempt.objects.filter(ip=ip, at__gt=now - window)
            .exclude(pk=attempt_id)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            LoginAttempt.objects.filter(pk=attempt_id).delete()  # a refused try does not extend the wait
            raise Refused("throttled", max(recent[-1] + window - now, dt.timedelta(seconds=1)))
    if not name:
        return Attempt(name, attempt_id)
    threshold = _cfg("LOGIN_LOCKOUT_FAILURES", 5)
    with transaction.atomic():
        LoginLock.objects.get_or_create(username=name)
        # One UPDATE takes the row lock and counts: parallel attempts are numbered one by one.
        LoginLock.objects.filter(username=name, locked_until__lte=now).update(failures=0, locked_until=None)
        LoginLock.objects.filter(username=name).update(failures=F("failures") + 1, last_failure_at=now)
        lock = LoginLock.objects.get(username=name)
        refused = lock.locked_until is not None and lock.locked_until > now
        if not refused and lock.failures > threshold:
            # More attempts in flight than the name has left: lock it without checking this one.
            lock.locked_until = now + dt.timedelta(minutes=_cfg("LOGIN_LOCKOUT_MINUTES", 15))
            lock.save(update_fields=["locked_until"])
            refused = True
    if refused:
        assert lock.locked_until is not None
        raise Refused("locked", lock.locked_until - now)
    return Attempt(name, attempt_id)


def register_success(username: str) -> None:
    LoginLock.objects.filter(username=_norm(username)).delete()


def unlock(username: str) -> bool:
    return LoginLock.objects.filter(username=_norm(username)).delete()[0] > 0


def purge_old_attempts() -> int:
    cutoff = timezone.now() - dt.timedelta(days=1)
    return LoginAttempt.objects.filter(at__lt=cutoff).delete()[0]


def minutes(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))
