"""TOTP (RFC 6238) second factor: codes from an authenticator app, each accepted once.

Enrolment shows the key as text and as a QR code (SVG made here, no request leaves the
server). Ten one-time recovery codes stand in for a lost phone: shown once, stored as
salted hashes, each accepted once; making new ones invalidates the old.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any, Literal

import pyotp
import segno
from django.utils import timezone

from otklik.ops.models import RecoveryCode, TOTPDevice

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


def provisioning_qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as a QR code, an SVG ``data:`` URI for an ``<img>`` (no inline markup)."""
    qr = segno.make(provisioning_uri(device), error="m", micro=False)
    # Black on white whatever the page theme: phone cameras read dark modules on a light ground.
    return str(qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff"))


# 32 symbols without look-alikes (0/O, 1/I): 12 of them are 60 random bits per code.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECOVERY_COUNT = 10
RECOVERY_LENGTH = 12


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _hash(code: str, salt: str) -> str:
    return f"{salt}${hashlib.sha256((salt + _normalise(code)).encode()).hexdigest()}"


def new_recovery_codes(device: TOTPDevice) -> list[str]:
    """Replace the device's recovery codes with ten fresh ones; returns them (the only time they exist)."""
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_COUNT)]
    now = timezone.now()
    RecoveryCode.objects.filter(device=device).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=_hash(c, secrets.token_hex(8)), created_at=now) for c in codes
    )
    return ["-".join(c[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for c in codes]


def recovery_codes_left(device: TOTPDevice) -> int:
    return RecoveryCode.objects.filter(device=device, used_at__isnull=True).count()


def use_recovery_code(device: TOTPDevice, code: str) -> bool:
    """Accept an unused recovery code once (two requests with one code: only one wins)."""
    if len(_normalise(code)) != RECOVERY_LENGTH:
        return False
    for row in RecoveryCode.objects.filter(device=device, used_at__isnull=True):
        salt = row.code_hash.split("$", 1)[0]
        if hmac.compare_digest(_hash(code, salt), row.code_hash):
            return bool(RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()))
    return False


def verify_second_factor(device: TOTPDevice, code: str) -> Literal["totp", "recovery"] | None:
    """A code from the app, or else a recovery code; which one was accepted, or None."""
    if verify(device, code):
        return "totp"
    if use_recovery_code(device, code):
        return "recovery"
    return None
