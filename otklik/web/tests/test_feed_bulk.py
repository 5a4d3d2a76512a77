"""Bulk actions of the feed: natural Russian counts; nothing ticked says so and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.cases.models import Case
from otklik.web.tests.helpers import feed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_it_says_how_many_cases_it_excluded_in_plain_russian(cast):
    a, b = feed_case(cast), feed_case(cast)
    data = {"action": "exclude", "case": [a.pk, b.pk], "bulk-reason_code": "insult"}
    r = client_for(cast.specialist).post("/feed/bulk/", data, follow=True)
    assert "Исключено 2 обращения (п. 22)" in r.content.decode()
    assert set(Case.objects.values_list("status", flat=True)) == {"excluded"}


def test_it_agrees_the_word_with_the_number(cast):
    cases = [feed_case(cast) for _ in range(5)]
    r = client_for(cast.specialist).post(
        "/feed/bulk/", {"action": "detect", "case": [c.pk for c in cases]}, follow=True
    )
    assert "Взято в работу 5 обращений" in r.content.decode()
    one = feed_case(cast)
    r = client_for(cast.specialist).post(
        "/feed/bulk/", {"action": "dismiss", "case": [one.pk], "bulk-reason": "Реклама"}, follow=True
    )
    assert "Оставлено без реакции 1 обращение" in r.content.decode()


def test_it_says_nothing_was_ticked(cast):
    case = feed_case(cast)
    r = client_for(cast.specialist).post(
        "/feed/bulk/", {"action": "exclude", "bulk-reason_code": "insult"}, follow=True
    )
    assert "Ничего не отмечено" in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == "feed"
