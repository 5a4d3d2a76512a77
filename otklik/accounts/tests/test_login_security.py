"""Sign-in: lockout per user name, throttling per address, TOTP second factor, audit."""

import time

import pyotp
import pytest
from django.test import override_settings
from django.utils import timezone

from otklik.accounts import totp
from otklik.ops.models import AuditEntry, LoginLock, TOTPDevice

PASSWORD = "otklik-test-pass"


def _login(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


@override_settings(LOGIN_LOCKOUT_FAILURES=3, LOGIN_LOCKOUT_MINUTES=15)
def test_it_locks_the_account_after_repeated_failures(client, cast):
    for _ in range(2):
        assert "Неверное имя пользователя или пароль" in _login(client, "specialist", "wrong").content.decode()
    r = _login(client, "specialist", "wrong")
    assert "Вход временно заблокирован" in r.content.decode()
    # Even the right password is refused while locked.
    r = _login(client, "specialist", PASSWORD)
    assert r.status_code == 200 and "заблокирован" in r.content.decode()
    assert AuditEntry.objects.filter(kind="login_locked", username="specialist").exists()


@override_settings(LOGIN_LOCKOUT_FAILURES=3)
def test_the_lock_ends_by_itself_and_a_success_resets_the_count(client, cast):
    for _ in range(3):
        _login(client, "specialist", "wrong")
    LoginLock.objects.filter(username="specialist").update(locked_until="2000-01-01T00:00:00Z")
    assert _login(client, "specialist", PASSWORD).status_code == 302
    assert not LoginLock.objects.filter(username="specialist").exists()


@override_settings(LOGIN_THROTTLE_PER_IP=4, LOGIN_LOCKOUT_FAILURES=100)
def test_it_throttles_an_address_guessing_many_names(client, cast):
    for name in ["a1", "a2", "a3", "a4"]:
        assert _login(client, name, "x").status_code == 200
    r = _login(client, "specialist", PASSWORD)
    assert r.status_code == 429
    assert "Слишком много неудачных попыток" in r.content.decode()
    # Another address is not affected.
    assert _login(client, "specialist", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_logins_and_failures_are_audited_without_passwords(client, cast):
    _login(client, "specialist", "wrong-secret")
    _login(client, "specialist", PASSWORD)
    kinds = list(AuditEntry.objects.filter(username="specialist").values_list("kind", flat=True))
    assert "login_failed" in kinds and "login" in kinds
    assert "wrong-secret" not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def _enable_totp(user):
    device = totp.start_setup(user)
    device.confirmed_at = timezone.now()
    device.save()
    return device


def test_it_asks_for_a_code_when_totp_is_on(client, cast):
    device = _enable_totp(cast.specialist)
    r = _login(client, "specialist", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/login/2fa/"
    assert client.get("/account/2fa/").status_code == 302  # not signed in yet
    r = client.post("/login/2fa/", {"code": "000000"})
    assert r.status_code == 400
    code = pyotp.TOTP(device.secret).now()
    r = client.post("/login/2fa/", {"code": code})
    assert r.status_code == 302
    assert client.get("/account/2fa/").status_code == 200
    entry = AuditEntry.objects.filter(kind="login", username="specialist").latest("created_at")
    assert entry.data["method"] == "password+totp"


def test_a_totp_code_is_accepted_only_once(cast):
    device = _enable_totp(cast.coordinator)
    now = time.time()
    code = pyotp.TOTP(device.secret).at(now)
    assert totp.verify(device, code, at=now)
    assert not totp.verify(TOTPDevice.objects.get(pk=device.pk), code, at=now)


def test_a_user_turns_totp_on_with_a_code(client, cast):
    client.force_login(cast.specialist)
    r = client.post("/account/2fa/", {"action": "start"})
    assert "Введите код" in r.content.decode()
    device = TOTPDevice.objects.get(user=cast.specialist)
    assert device.confirmed_at is None
    assert "secret" not in device.secret_encrypted  # stored encrypted
    r = client.post("/account/2fa/", {"action": "confirm", "code": pyotp.TOTP(device.secret).now()})
    assert r.status_code == 200 and "Двухфакторная аутентификация включена" in r.content.decode()
    assert TOTPDevice.objects.get(user=cast.specialist).confirmed_at is not None
    assert AuditEntry.objects.filter(kind="totp_enabled", username="specialist").exists()


@pytest.mark.django_db
def test_the_admin_signs_in_through_the_same_door(client):
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/admin/")


def test_an_idle_session_expires(client, cast, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client.force_login(cast.specialist)
    assert client.get("/account/2fa/").status_code == 200
    session = client.session
    session["otklik_last_seen"] = int(time.time()) - 601
    session.save()
    r = client.get("/account/2fa/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert AuditEntry.objects.filter(kind="session_expired", username="specialist").exists()
    assert client.get("/account/2fa/").status_code == 302  # signed out for good
