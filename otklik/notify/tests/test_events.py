"""Who hears about what: the workflow's events and the sweep's warnings and breaches."""

from __future__ import annotations

from otklik.cases import actions
from otklik.cases.models import Draft
from otklik.cases.sweep import sweep
from otklik.cases.tests.helpers import Clock, detected_case, msk
from otklik.notify.models import Notification


def _titles(user) -> list[str]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_the_workflow_tells_the_right_people(cast, django_capture_on_commit_callbacks):
    at = msk(2026, 11, 30, 10, 0)
    with Clock(at) as clock, django_capture_on_commit_callbacks(execute=True):
        case = detected_case(cast, clock, at)
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        clock.advance(minutes=20)
        case = actions.do_submit_draft(case, text="Яму заделаем до пятницы.", acting_user=cast.roads)
        draft = Draft.objects.get(case=case)
        actions.do_return_draft(draft, remarks="Укажите дату точно", acting_user=cast.specialist)
    assert _titles(cast.roads)[0].startswith(f"Новое обращение №{case.pk} для «Дороги»")
    assert any("ждёт согласования" in t for t in _titles(cast.specialist))
    returned = Notification.objects.get(user=cast.roads, kind="draft_returned")
    assert "Укажите дату точно" in returned.body
    assert _titles(cast.housing) == []


def test_the_sweep_warns_the_executor_and_reports_a_breach_to_the_coordinator(cast, django_capture_on_commit_callbacks):
    at = msk(2026, 11, 30, 10, 0)
    with Clock(at) as clock, django_capture_on_commit_callbacks(execute=True):
        case = detected_case(cast, clock, at)
        actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        sweep(msk(2026, 11, 30, 10, 50))  # §11: 60 minutes, warned before the end
        sweep(msk(2026, 11, 30, 11, 1))
    roads = Notification.objects.filter(user=cast.roads)
    assert roads.filter(kind="deadline_warned", title__contains="подготовка проекта ответа").exists()
    assert roads.filter(kind="deadline_breached").exists()
    breach = Notification.objects.get(user=cast.coordinator, kind="deadline_breached")
    assert "подготовка проекта ответа (п. 11) (Дороги)" in breach.title
