"""TOTP (RFC 6238) second factor: codes from an authenticator app, each accepted once."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from django.utils import timezone

from otklik.ops.models import TOTPDevice

ISSUER = "Отклик"
STEP = 30


def confirmed_device(user: object) -> TOTPDevice | None:
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).first()  # type: ignore[attr-defined]


def start_setup(user: Any) -> TOTPDevice:
    """A fresh, unconfirmed device (replaces an unconfirmed one; a confirmed one stays)."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice(user=user)
    elif device.confirmed_at is not None:
        return device
    device.secret = pyotp.random_base32()
    device.last_used_step = 0
    device.save()
    return device


def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.get_username(), issuer_name=ISSUER)


def verify(device: TOTPDevice, code: str, *, at: float | None = None) -> bool:
    """Check a code against the current step ±1 (clock drift); refuse a step already used."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = time.time() if at is None else at
    current = int(now // STEP)
    for step in (current - 1, current, current + 1):
        if step <= device.last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * STEP), code):
            # Conditional update: two concurrent requests with one code — only one wins.
            won = TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
            if won:
                device.last_used_step = step
                return True
            return False
    return False


def confirm(device: TOTPDevice, code: str) -> bool:
    if not verify(device, code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return True
