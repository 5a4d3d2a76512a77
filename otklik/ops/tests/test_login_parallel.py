"""Issue 19 item 10: login attempts are counted before the password is checked, so
parallel wrong passwords cannot all reach the check."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password as real_check
from django.test import Client, override_settings

from otklik.ops.models import LoginLock

pytestmark = pytest.mark.django_db


@override_settings(LOGIN_LOCKOUT_FAILURES=5, LOGIN_THROTTLE_PER_IP=100)
def test_parallel_wrong_passwords_reach_the_check_at_most_the_limit(cast, monkeypatch):
    checked = []

    def check_password(password, encoded, *args, **kwargs):  # type: ignore[no-untyped-def]
        checked.append(password)
        if len(checked) == 1:
            # 23 more requests arrive while the first one's password is being checked.
            for _ in range(23):
                Client().post("/login/", {"username": "specialist", "password": "wrong"})
        return real_check(password, encoded, *args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.base_user.check_password", check_password)
    Client().post("/login/", {"username": "specialist", "password": "wrong"})
    assert len(checked) <= 5
    assert LoginLock.objects.get(username="specialist").locked_until is not None
