"""Key rotation: after a new key is put first, old secrets still decrypt; rotation re-encrypts them."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from otklik.accounts import totp
from otklik.directory.models import OfficialAccount
from otklik.ops.models import AuditEntry, TOTPDevice

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _account():
    return OfficialAccount.objects.get(network="vk")


def test_old_secrets_decrypt_after_rotation(cast, settings):
    settings.OTKLIK_ENCRYPTION_KEYS = [OLD]
    account = _account()
    account.set_credentials({"access_token": "vk-token-1"})
    account.save()
    device = totp.start_setup(cast.specialist)
    secret = device.secret

    settings.OTKLIK_ENCRYPTION_KEYS = [NEW, OLD]
    assert _account().get_credentials() == {"access_token": "vk-token-1"}
    call_command("rotate_credentials", stdout=io.StringIO())
    assert AuditEntry.objects.filter(kind="keys_rotated").exists()

    settings.OTKLIK_ENCRYPTION_KEYS = [NEW]  # the old key is gone now
    assert _account().get_credentials() == {"access_token": "vk-token-1"}
    assert TOTPDevice.objects.get(pk=device.pk).secret == secret


def test_rotation_reports_secrets_no_key_can_open(cast, settings):
    settings.OTKLIK_ENCRYPTION_KEYS = [OLD]
    account = _account()
    account.set_credentials({"access_token": "t"})
    account.save()
    settings.OTKLIK_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="OfficialAccount"):
        call_command("rotate_credentials", "--dry-run", stdout=io.StringIO())


def test_it_generates_a_usable_key():
    out = io.StringIO()
    call_command("generate_encryption_key", stdout=out)
    Fernet(out.getvalue().strip().encode())
