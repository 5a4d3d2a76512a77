"""The audit trail: append-only, replayable, read-only in admin; events go out after commit."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from otklik.cases import actions, events
from otklik.cases.access import allowed_actions
from otklik.cases.models import CaseEvent
from otklik.cases.replay import ReplayError, replay_status
from otklik.cases.tests.helpers import detected_case, message, msk, routed_case
from otklik.directory.models import Topic

pytestmark = pytest.mark.django_db


def test_events_are_dispatched_to_subscribers_only_after_commit(
    cast, clock, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(events, "_handlers", defaultdict(list))
    received = []

    def on_detected(payload):
        received.append(payload)

    events.subscribe("case_detected", on_detected)
    case = actions.do_register_post(cast.municipality, message())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = actions.do_detect_case(case, acting_user=cast.specialist)
    assert received == [] and len(callbacks) == 1
    callbacks[0]()
    assert received == [{"case_id": case.pk, "deadline_id": case.deadlines.get().pk, "actor_id": cast.specialist.pk}]


def test_the_trail_is_append_only_and_replays_to_the_status(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    kinds = list(case.events.values_list("kind", "actor__username"))
    assert kinds == [("case_created", None), ("case_detected", "specialist"), ("case_routed", "specialist")]
    assert replay_status(case) == "assigned"
    event = case.events.last()
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(kind="x")
    CaseEvent.objects.create(
        case=case, kind="forged", data={"before": "feed", "after": "answered"}, created_at=msk(2025, 3, 3)
    )
    with pytest.raises(ReplayError):
        replay_status(case)


def test_admin_offers_no_way_to_change_the_trail(cast):
    request = RequestFactory().get("/admin/")
    request.user = type(
        "U", (), {"is_active": True, "is_staff": True, "is_superuser": True, "has_perm": lambda *a: True}
    )()
    model_admin = site._registry[CaseEvent]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_topic_is_set_and_recorded(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))
    topic = Topic.objects.create(municipality=cast.municipality, name="Дороги")
    case = actions.do_set_topic(case, topic, acting_user=cast.specialist)
    assert case.topic == topic
    assert case.events.get(kind="topic_set").data["topic_after"] == topic.pk


def test_publish_is_not_offered_while_a_publication_is_in_flight(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    assert "publish" in allowed_actions(cast.roads, case)
    case = actions.do_publish_answer(case, acting_user=cast.roads)
    assert "publish" not in allowed_actions(cast.roads, case)
    assert "publish" not in allowed_actions(cast.specialist, case)
