"""§20 (issue 18 §4): similar approved answers, found by triage, offered in the draft form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from otklik.triage.models import TriageResult
from otklik.web.tests.helpers import routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

ANSWER = "Здравствуйте! Яму на <ул. Ленина> засыплют до пятницы."


def _triaged(cast, suggestions):  # type: ignore[no-untyped-def]
    case = routed_case(cast, cast.roads_org)
    TriageResult.objects.update_or_create(
        post=case.primary_post,
        defaults={
            "municipality": cast.municipality, "computed_at": timezone.now(), "model_version": "t", "relevance": 0.9,
            "relevant": True, "answer_suggestions": suggestions,
        },
    )  # fmt: skip
    return case


def test_the_draft_form_offers_similar_answers_escaped_with_one_click_insert(cast):
    case = _triaged(cast, [{"draft": 41, "score": 0.7, "text": ANSWER}])
    c = Client()
    c.force_login(cast.roads)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "Похожие согласованные ответы" in page
    assert "&lt;ул. Ленина&gt;" in page and "<ул. Ленина>" not in page
    # Without JavaScript the button reloads the page with the text in the draft.
    page = c.get(f"/cases/{case.pk}/?similar=41").content.decode()
    assert "Здравствуйте! Яму на &lt;ул. Ленина&gt; засыплют до пятницы.</textarea>" in page


def test_only_offered_answers_can_be_inserted_and_only_by_who_drafts(cast):
    case = _triaged(cast, [{"draft": 41, "score": 0.7, "text": ANSWER}])
    c = Client()
    c.force_login(cast.roads)
    assert "засыплют" not in c.get(f"/cases/{case.pk}/?similar=42").content.decode().split("<textarea")[1]
    c.force_login(cast.specialist)
    assert "Похожие согласованные ответы" not in c.get(f"/cases/{case.pk}/").content.decode()
