"""scope_of across requests with a shared cache: cached, and current after every directory change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.directory.models import Membership, Organization, Role
from otklik.directory.roles import scope_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.OTKLIK_SCOPE_CACHE_SECONDS = 300
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "scope"}}
    cache.clear()
    yield
    cache.clear()


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new request: nothing cached on the object


def test_a_second_request_reads_no_memberships(cast, cached):
    first = scope_of(fresh(cast.housing_chief))
    with CaptureQueriesContext(connection) as ctx:
        again = scope_of(fresh(cast.housing_chief))
    assert [q for q in ctx.captured_queries if "directory_" in q["sql"]] == []
    assert again.organization_ids == first.organization_ids == {cast.housing_org.pk, cast.water_org.pk}


def test_a_new_membership_applies_at_once(cast, cached):
    assert scope_of(fresh(cast.roads)).organization_ids == {cast.roads_org.pk}
    Membership.objects.create(
        user=cast.roads, role=Role.EXECUTOR, organization=cast.water_org, municipality=cast.municipality
    )
    assert scope_of(fresh(cast.roads)).organization_ids == {cast.roads_org.pk, cast.water_org.pk}


def test_a_removed_membership_applies_at_once(cast, cached):
    assert scope_of(fresh(cast.roads)).organization_ids == {cast.roads_org.pk}
    Membership.objects.get(user=cast.roads, organization=cast.roads_org).delete()
    assert scope_of(fresh(cast.roads)).organization_ids == set()


def test_a_moved_organization_applies_at_once(cast, cached):
    assert cast.water_org.pk in scope_of(fresh(cast.housing_chief)).organization_ids
    water = Organization.objects.get(pk=cast.water_org.pk)
    water.parent = cast.admin_org
    water.save()
    assert scope_of(fresh(cast.housing_chief)).organization_ids == {cast.housing_org.pk}


def test_without_a_shared_cache_nothing_is_kept(cast, settings):
    settings.OTKLIK_SCOPE_CACHE_SECONDS = 0
    scope_of(fresh(cast.roads))
    with CaptureQueriesContext(connection) as ctx:
        scope_of(fresh(cast.roads))
    assert any("directory_membership" in q["sql"] for q in ctx.captured_queries)
