"""The API's hand-written loads give the same instances the ORM gives (both databases)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.api.loader import Loader
from otklik.api.models import ApiToken, hash_token
from otklik.cases import actions as A
from otklik.cases.models import Assignment, Case

CASE = Loader(Case, ("municipality", "primary_post", "topic"), defer=("primary_post.raw",))
ASSIGNMENTS = Loader(Assignment, ("organization",), key="case", order=("id",))


def _fields(obj, names):  # type: ignore[no-untyped-def]
    return {n: getattr(obj, n) for n in names}


def test_a_case_with_its_relations_equals_the_orms(cast, make_case):
    case = make_case("Яма «во дворе» — 5 м²")
    orm = Case.objects.select_related("municipality", "primary_post", "topic").get(pk=case.pk)
    with CaptureQueriesContext(connection) as ctx:
        got = CASE.one(case.pk)
        names = [f.attname for f in Case._meta.concrete_fields]
        assert _fields(got, names) == _fields(orm, names)
        assert got.municipality == orm.municipality and got.municipality.slug == orm.municipality.slug
        assert got.primary_post.text == orm.primary_post.text
        assert isinstance(got.primary_post.published_at, dt.datetime) and got.primary_post.published_at.tzinfo
        assert got.topic is None  # a LEFT JOIN that found nothing
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]
    assert "raw" in got.primary_post.get_deferred_fields()
    assert got.primary_post.raw == orm.primary_post.raw  # loaded on access, like QuerySet.defer


def test_assignments_of_a_case_in_order_with_their_organizations(cast, make_case):
    case = make_case()
    A.do_route_case(case, [cast.roads_org, cast.water_org], lead=cast.roads_org, acting_user=cast.specialist)
    got = ASSIGNMENTS.all(case.pk)
    orm = list(Assignment.objects.filter(case=case).select_related("organization").order_by("pk"))
    assert [a.pk for a in got] == [a.pk for a in orm] and len(got) == 2
    assert [a.organization.short_name for a in got] == [a.organization.short_name for a in orm]
    assert [(a.role, a.is_active, a.assigned_at) for a in got] == [(a.role, a.is_active, a.assigned_at) for a in orm]


def test_missing_and_impossible_keys_find_nothing(cast):
    assert CASE.one(10**6) is None
    assert CASE.one(10**30) is None  # larger than any column: no query, no overflow
    assert ASSIGNMENTS.all(-(10**30)) == []


def test_a_token_with_its_owner(cast):
    row, raw = ApiToken.issue(user=cast.roads, name="t", expires_at=timezone.now() + dt.timedelta(days=1))
    got = Loader(ApiToken, ("user",), key="token_hash").one(hash_token(raw))
    assert got.pk == row.pk and got.user.pk == cast.roads.pk and got.user.is_active
    assert got.expires_at == ApiToken.objects.get(pk=row.pk).expires_at
    got.touch()  # a loaded instance saves like any other
    assert ApiToken.objects.get(pk=row.pk).last_used_at is not None


def test_statements_run_together_give_each_its_rows_and_errors_stay_django_errors(cast, make_case):
    """pgjson.fetch_many: one round trip on PostgreSQL (pipeline), one by one elsewhere."""
    import pytest
    from django.db import DatabaseError, transaction

    from otklik.api.pgjson import fetch_many

    case = make_case("Яма")
    with CaptureQueriesContext(connection) as ctx:
        found = fetch_many(
            "default",
            [CASE.statement(case.pk), ASSIGNMENTS.statement(case.pk), ("SELECT 1 + %s", [41], False)],  # type: ignore[list-item]
        )
    assert len(ctx.captured_queries) == 3  # logged and counted like any query
    assert CASE.build(CASE.convert(found[0])[0]).pk == case.pk
    assert found[1] == [] and found[2] == [(42,)]
    with pytest.raises(DatabaseError), transaction.atomic():  # the savepoint keeps the test's transaction
        fetch_many("default", [CASE.statement(case.pk), ("SELECT no_such_column FROM cases_case", [], False)])  # type: ignore[list-item]
    assert fetch_many("default", [("SELECT 2", [], False)]) == [[(2,)]]  # the connection still works
