"""The inbox and the case page cost a fixed number of queries, however many cases or events."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.web.tests.helpers import new_case, review_case, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def queries_for(user, url: str) -> int:
    c = Client()
    c.force_login(user)
    c.get(url)  # warm up: session, per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_cases(cast):
    people = {"specialist": cast.specialist, "executor": cast.roads, "head": cast.head}
    routed_case(cast, cast.roads_org, cast.housing_org, lead=cast.roads_org)
    few = {who: queries_for(user, "/inbox/?view=all") for who, user in people.items()}
    for _ in range(6):
        routed_case(cast, cast.roads_org, cast.housing_org, lead=cast.roads_org)
        new_case(cast)
    many = {who: queries_for(user, "/inbox/?view=all") for who, user in people.items()}
    print("inbox queries", many)
    assert many == few
    assert max(many.values()) <= 20


def test_case_page_query_count_does_not_grow_with_events(cast):
    case = review_case(cast, text="Засыплем.")
    few = queries_for(cast.specialist, f"/cases/{case.pk}/")
    for i in range(6):
        draft = Case.objects.get(pk=case.pk).drafts.order_by("-version").first()
        actions.do_return_draft(draft, remarks=f"Замечание {i}", acting_user=cast.specialist)
        actions.do_submit_draft(Case.objects.get(pk=case.pk), text=f"Засыплем {i}.", acting_user=cast.roads)
    case = Case.objects.get(pk=case.pk)
    assert case.events.count() > 12
    many = queries_for(cast.specialist, f"/cases/{case.pk}/")
    assert many == few, (few, many)
    print("case page queries", many)
    assert many <= 40


def test_executor_case_page_query_count_is_bounded(cast, django_assert_max_num_queries):
    case = routed_case(cast, cast.roads_org)
    c = Client()
    c.force_login(cast.roads)
    c.get(f"/cases/{case.pk}/")
    with django_assert_max_num_queries(40):
        assert c.get(f"/cases/{case.pk}/").status_code == 200
