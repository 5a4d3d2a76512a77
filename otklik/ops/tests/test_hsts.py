"""Issue 19: HSTS with includeSubDomains is a documented switch, off by default."""

import os
import subprocess
import sys


def _setting(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OTKLIK_", "SECURE_"))}
    base.update({"OTKLIK_TESTING": "1", "SECURE_TLS": "1", **env})
    code = (
        "import django;django.setup();from django.conf import settings;print(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    env_all = {**base, "DJANGO_SETTINGS_MODULE": "otklik.settings"}
    return subprocess.run([sys.executable, "-c", code], env=env_all, capture_output=True, text=True, check=True).stdout


def test_it_is_off_unless_switched_on():
    assert _setting().strip() == "False"
    assert _setting(SECURE_HSTS_INCLUDE_SUBDOMAINS="1").strip() == "True"
