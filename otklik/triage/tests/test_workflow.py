"""Triage on the real intake and workflow actions: register → event → triage → actions."""

import datetime as dt

import pytest
from django.utils import timezone

from otklik.cases.intake import do_register_post
from otklik.cases.models import CaseEvent
from otklik.connectors.base import IncomingMessage
from otklik.triage.models import TriageResult, TriageSettings

pytestmark = pytest.mark.django_db


def incoming(text: str, key: str) -> IncomingMessage:
    return IncomingMessage(  # type: ignore[call-arg]
        network="vk",
        source_key=key,
        text=text,
        published_at=timezone.now() - dt.timedelta(minutes=1),
        url="https://vk.com/wall-100001_1",
        author_id="42",
        author_name="Мария Жительница",
    )


def register(cast, text, key, capture):
    with capture(execute=True):
        case = do_register_post(cast.municipality, incoming(text, key))
    case.refresh_from_db()
    return case


def test_a_registered_message_is_triaged_and_left_to_people(cast, django_capture_on_commit_callbacks):
    case = register(
        cast, "Нет воды во всём доме, водопровод прорвало!", "wall-100001_1", django_capture_on_commit_callbacks
    )
    result = TriageResult.objects.get(post__case=case)
    assert result.relevant and result.significant
    assert result.suggestions[0]["organization"] == "Водоканал"
    assert case.status == "feed" and not case.is_significant  # nothing automatic by default


def test_switched_on_the_system_detects_routes_and_flags(cast, django_capture_on_commit_callbacks):
    TriageSettings.objects.create(
        municipality=cast.municipality,
        auto_detect=True,
        auto_detect_threshold=0.6,
        auto_route=True,
        auto_route_threshold=0.1,
        auto_flag_significant=True,
    )
    case = register(
        cast,
        "Нет воды во всём доме, водопровод прорвало, прошу срочно разобраться!",
        "wall-100001_2",
        django_capture_on_commit_callbacks,
    )
    assert case.status == "assigned"
    assert case.assignments.get().organization == cast.water_org
    assert case.is_significant and "нет воды" in case.significant_reason
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", "actor"))
    assert ("case_detected", None) in kinds and ("case_routed", None) in kinds
