"""The admin's app groups read in Russian."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = [pytest.mark.django_db]


def test_it_names_every_app_group_in_russian():
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    c = Client()
    c.force_login(admin)
    r = c.get("/admin/")
    assert r.status_code == 200
    groups = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', r.content.decode())
    assert groups, "no app groups found"
    assert [g for g in groups if not re.search(r"[А-Яа-яЁё]", g)] == []
    assert "Обращения" in groups
