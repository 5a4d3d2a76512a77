"""A missing or wrong environment variable at start-up: one clear line naming it, no traceback."""

import os
import subprocess
import sys

import pytest


def _otklik(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTKLIK_", "DJANGO_", "PYTEST"))}
    base.pop("DATABASE_URL", None)
    base.pop("REDIS_URL", None)
    base.pop("SECRET_KEY", None)
    base.update({"OTKLIK_DATA_DIR": str(tmp_path), "OTKLIK_TESTING": "0"}, **env)
    return subprocess.run(
        [sys.executable, "-m", "otklik.cli", *args], env=base, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "env, name",
    [
        ({"OTKLIK_ENV": "production", "ALLOWED_HOSTS": "otklik.example.ru"}, "SECRET_KEY"),
        ({"OTKLIK_ENV": "production", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "mysqlx://nowhere"}, "DATABASE_URL"),
        ({"OTKLIK_ENCRYPTION_KEYS": "not-a-key"}, "OTKLIK_ENCRYPTION_KEYS"),
        ({"SESSION_IDLE_TIMEOUT": "two hours"}, "SESSION_IDLE_TIMEOUT"),
    ],
)
def test_a_bad_variable_stops_start_up_with_its_name(tmp_path, env, name):
    r = _otklik(tmp_path, "check", **env)
    assert r.returncode == 2
    assert name in r.stderr and "ошибка настройки" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_good_configuration_passes_the_check(tmp_path):
    r = _otklik(tmp_path, "check")
    assert r.returncode == 0, r.stderr
    assert _otklik(tmp_path, "version").stdout.startswith("otklik ")
