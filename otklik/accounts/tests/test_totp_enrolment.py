"""TOTP enrolment by QR code, and one-time recovery codes for a lost phone."""

from __future__ import annotations

import base64
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pyotp
import pytest
import segno

from otklik.accounts import totp
from otklik.ops.models import AuditEntry, RecoveryCode, TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "otklik-test-pass"
CODE = re.compile(r"<code>([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})</code>")


def _enrol(client, user) -> tuple[TOTPDevice, list[str]]:  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.post("/account/2fa/", {"action": "start"})
    device = TOTPDevice.objects.get(user=user)
    r = client.post("/account/2fa/", {"action": "confirm", "code": pyotp.TOTP(device.secret).now()})
    return device, CODE.findall(r.content.decode())


def _password_step(client, username: str) -> None:  # type: ignore[no-untyped-def]
    client.logout()
    r = client.post("/login/", {"username": username, "password": PASSWORD})
    assert r["Location"] == "/login/2fa/"


def _svg_of(data_uri: str) -> str:
    head, _, payload = data_uri.partition(",")
    return base64.b64decode(payload).decode() if head.endswith(";base64") else urllib.parse.unquote(payload)


def test_enrolment_shows_a_qr_code_of_the_provisioning_uri(client, cast):
    client.force_login(cast.specialist)
    page = client.post("/account/2fa/", {"action": "start"}).content.decode()
    src = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', page).group(1).replace("&amp;", "&")
    svg = ET.fromstring(_svg_of(src))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and not svg.findall(".//{*}script")
    device = TOTPDevice.objects.get(user=cast.specialist)
    uri = totp.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/") and f"secret={device.secret}" in uri
    expected = segno.make(uri, error="m", micro=False).svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    assert src == expected  # the picture is the QR code of exactly this URI


def test_turning_it_on_shows_ten_codes_once_and_stores_only_hashes(client, cast):
    device, codes = _enrol(client, cast.specialist)
    assert len(codes) == 10 == len(set(codes))
    stored = list(RecoveryCode.objects.filter(device=device).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in h or c in h for c in codes for h in stored)
    assert AuditEntry.objects.filter(kind="totp_recovery_new", username="specialist").exists()
    page = client.get("/account/2fa/").content.decode()
    assert not CODE.findall(page) and "Неиспользованных резервных кодов: 10 из 10" in page


def test_a_recovery_code_signs_in_once(client, cast):
    device, codes = _enrol(client, cast.specialist)
    _password_step(client, "specialist")
    r = client.post("/login/2fa/", {"code": codes[3].lower().replace("-", " ")})  # typed loosely
    assert r.status_code == 302 and client.get("/account/2fa/").status_code == 200
    entry = AuditEntry.objects.filter(kind="login", username="specialist").latest("created_at")
    assert entry.data["method"] == "password+recovery_code"
    assert AuditEntry.objects.get(kind="totp_recovery_used").data == {"left": 9}
    _password_step(client, "specialist")
    r = client.post("/login/2fa/", {"code": codes[3]})
    assert r.status_code == 400 and "резервных кодов" in r.content.decode()
    assert totp.recovery_codes_left(device) == 9


def test_new_codes_invalidate_the_old_ones(client, cast):
    device, old = _enrol(client, cast.specialist)
    r = client.post("/account/2fa/", {"action": "recovery", "code": "123456"})
    assert "прежние резервные коды остались в силе" in r.content.decode()
    r = client.post("/account/2fa/", {"action": "recovery", "code": old[0]})
    new = CODE.findall(r.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert not totp.use_recovery_code(device, old[1])
    assert totp.use_recovery_code(device, new[1]) and not totp.use_recovery_code(device, new[1])


def test_a_recovery_code_turns_it_off_and_the_codes_go_with_the_device(client, cast):
    _, codes = _enrol(client, cast.specialist)
    r = client.post("/account/2fa/", {"action": "disable", "code": codes[0]})
    assert r.status_code == 302 and not TOTPDevice.objects.exists() and not RecoveryCode.objects.exists()


def test_garbage_is_never_a_recovery_code(cast, client):
    device, _ = _enrol(client, cast.specialist)
    for code in ["", "0" * 12, "AAAA-AAAA-AAAA", "x" * 40]:
        assert not totp.use_recovery_code(device, code)
