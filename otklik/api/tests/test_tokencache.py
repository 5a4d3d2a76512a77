"""Tokens kept between requests (otklik/api/tokencache.py): read once, and refused at once
when revoked, expired, deleted or their owner disabled — also when another process changed them."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.contrib.admin.sites import site
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.api import tokencache
from otklik.api.admin import revoke_tokens
from otklik.api.models import ApiToken, ServiceToken
from otklik.api.tests.conftest import error_code
from otklik.directory.models import Membership, Role


@pytest.fixture(autouse=True)
def kept(settings):
    settings.OTKLIK_API_TOKEN_CACHE_SECONDS = 300
    settings.OTKLIK_SCOPE_CACHE_SECONDS = 300
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tokens"}}
    cache.clear()
    tokencache._kept.clear()
    yield
    tokencache._kept.clear()
    cache.clear()


def _reads(api, path="/me"):
    with CaptureQueriesContext(connection) as ctx:
        r = api.get(path)
    assert r.status_code == 200, r.content
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in ("api_", "auth_user", "directory_"))]


def test_a_kept_token_reads_no_token_user_or_roles(cast, as_user):
    api = as_user(cast.roads)
    api.get("/me")
    api.get("/cases")
    reads = _reads(api, "/cases")
    assert not [sql for sql in reads if "api_apitoken" in sql or "auth_user" in sql or "directory_membership" in sql]


def test_a_revoked_token_is_refused_at_the_next_call(cast, as_user):
    api = as_user(cast.roads)
    assert api.get("/me").status_code == 200
    ApiToken.objects.get().revoke()
    r = api.get("/me")
    assert r.status_code == 401 and error_code(r) == "token_revoked"


def test_a_change_made_by_another_process_is_seen_through_the_shared_mark(cast, as_user):
    api = as_user(cast.roads)
    assert api.get("/me").status_code == 200
    # Another process revoked it: this one's signal never ran, only the shared mark changed.
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api.get("/me").status_code == 200  # nothing told this process yet
    cache.set(tokencache.GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    r = api.get("/me")
    assert r.status_code == 401 and error_code(r) == "token_revoked"


def test_the_admins_bulk_revoke_applies_at_once(cast, as_user):
    api = as_user(cast.roads)
    assert api.get("/me").status_code == 200
    request = RequestFactory().post("/admin/")
    request._messages = type("M", (), {"add": lambda *a, **k: None})()  # type: ignore[attr-defined]
    revoke_tokens(site._registry[ApiToken], request, ApiToken.objects.all())
    assert error_code(api.get("/me")) == "token_revoked"


def test_a_disabled_owner_and_a_deleted_token_are_refused_at_once(cast, as_user):
    api = as_user(cast.roads)
    assert api.get("/me").status_code == 200
    cast.roads.is_active = False
    cast.roads.save()
    assert error_code(api.get("/me")) == "user_inactive"
    cast.roads.is_active = True
    cast.roads.save()
    assert api.get("/me").status_code == 200
    ApiToken.objects.get().delete()
    assert error_code(api.get("/me")) == "invalid_token"


def test_expiry_is_checked_on_every_call(cast, as_user):
    api = as_user(cast.roads)
    ApiToken.objects.update(expires_at=timezone.now() + dt.timedelta(seconds=1))
    tokencache.tokens_changed()
    assert api.get("/me").status_code == 200
    time.sleep(1.1)
    assert error_code(api.get("/me")) == "token_expired"


def test_roles_kept_with_the_token_follow_a_membership_change(cast, as_user):
    api = as_user(cast.roads)
    assert {r["role"] for r in api.get("/me").json()["roles"]} == {Role.EXECUTOR}
    before = {c["id"] for c in api.get("/cases").json()["items"]}
    Membership.objects.create(user=cast.roads, municipality=cast.municipality, role=Role.SPECIALIST)
    assert Role.SPECIALIST in {r["role"] for r in api.get("/me").json()["roles"]}
    assert before <= {c["id"] for c in api.get("/cases").json()["items"]}


def test_last_use_is_still_written_at_most_once_a_minute(cast, as_user):
    api = as_user(cast.roads)
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(4):
            assert api.get("/me").status_code == 200
    writes = [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "api_apitoken" in q["sql"]]
    assert len(writes) == 1
    assert ApiToken.objects.get().last_used_at is not None


def test_service_tokens_are_kept_and_refused_when_revoked(cast, as_service):
    api = as_service("read")
    assert api.get("/cases").status_code == 200
    assert not [sql for sql in _reads(api, "/cases") if "api_servicetoken" in sql]
    ServiceToken.objects.get().revoke()
    assert error_code(api.get("/cases")) == "token_revoked"


def test_without_a_shared_cache_nothing_is_kept(cast, as_user, settings):
    settings.OTKLIK_API_TOKEN_CACHE_SECONDS = 0
    api = as_user(cast.roads)
    api.get("/me")
    assert [sql for sql in _reads(api) if "api_apitoken" in sql]
    assert not tokencache._kept
