"""Issue 18 §1: every hand-off tells the next person at once — and nobody else."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.models import Assignment, Draft, Publication
from otklik.cases.tests.helpers import Clock, message, msk, routed_case
from otklik.notify.models import Notification

pytestmark = pytest.mark.django_db

AT = msk(2026, 11, 30, 10, 0)  # Monday, a working morning


def _got(user, kind: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(user=user, kind=kind).order_by("id"))


@pytest.fixture
def run(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """The clock at AT; ``with run.events():`` dispatches the actions' events on leaving the block."""
    with Clock(AT) as clock:
        clock.events = lambda: django_capture_on_commit_callbacks(execute=True)  # type: ignore[attr-defined]
        yield clock


def _approved(cast, clock):  # type: ignore[no-untyped-def]
    case = routed_case(cast, clock, AT)
    clock.advance(minutes=20)
    case = actions.do_submit_draft(case, text="Яму заделаем до пятницы.", acting_user=cast.roads)
    clock.advance(minutes=10)
    return actions.do_approve_draft(Draft.objects.get(case=case), acting_user=cast.specialist)


def test_it_tells_the_executor_to_publish_an_approved_draft_by_the_16_deadline(cast, run):
    with run.events():
        case = _approved(cast, run)
    [n] = _got(cast.roads, "draft_approved")
    # §16: 4 working hours from routing at 10:00, with the 13:00–14:00 lunch break
    assert n.title == f"Проект согласован — разместите ответ до 15:00 (обращение №{case.pk})"
    assert n.url == f"/cases/{case.pk}/"
    for other in (cast.housing, cast.water, cast.specialist, cast.coordinator, cast.head):
        assert _got(other, "draft_approved") == []


def test_it_tells_the_lead_that_a_coexecutors_part_arrived_with_the_draft_deadline(cast, run):
    with run.events():
        case = routed_case(cast, run, AT, orgs=[cast.roads_org, cast.housing_org], lead=cast.roads_org)
        co = Assignment.objects.get(case=case, organization=cast.housing_org)
        run.advance(minutes=30)
        actions.do_submit_coexecutor_info(co, text="Подъезд отремонтируем в апреле.", acting_user=cast.housing)
        actions.do_approve_coexecutor_info(co, acting_user=cast.specialist)
    [n] = _got(cast.roads, "coexec_info_approved")
    assert n.title == f"Информация соисполнителя получена — срок проекта ответа до 11:30 (обращение №{case.pk})"
    assert "Подъезд отремонтируем в апреле." in n.body
    assert _got(cast.housing, "coexec_info_approved") == []
    assert _got(cast.housing_chief, "coexec_info_approved") == []


def test_it_returns_a_coexecutors_part_to_the_coexecutor_only(cast, run):
    with run.events():
        case = routed_case(cast, run, AT, orgs=[cast.roads_org, cast.housing_org], lead=cast.roads_org)
        co = Assignment.objects.get(case=case, organization=cast.housing_org)
        actions.do_submit_coexecutor_info(co, text="Отремонтируем.", acting_user=cast.housing)
        actions.do_return_coexecutor_info(co, remarks="Укажите сроки", acting_user=cast.specialist)
    assert [n.body for n in _got(cast.housing, "coexec_info_returned")] == ["Замечания: Укажите сроки"]
    assert _got(cast.roads, "coexec_info_returned") == []


def test_it_tells_specialists_and_coordinators_of_a_return_with_the_reason(cast, run):
    with run.events():
        case = routed_case(cast, run, AT)
        actions.do_return_assignment(case.assignments.get(), reason="Это не дорога, а двор", acting_user=cast.roads)
    for user in (cast.specialist, cast.coordinator):
        [n] = _got(user, "assignment_returned")
        assert n.title == f"Обращение №{case.pk} возвращено исполнителем «Дороги» (п. 10)"
        assert n.body.startswith("Причина: Это не дорога, а двор")
    for other in (cast.roads, cast.housing, cast.head):
        assert _got(other, "assignment_returned") == []


def test_it_tells_the_publisher_and_the_specialists_of_a_failed_publication(cast, run):
    with run.events():
        case = _approved(cast, run)
        actions.do_publish_answer(case, acting_user=cast.roads)
        publication = Publication.objects.get(case=case)
        actions.do_fail_publication(publication, error="ВКонтакте: комментарии к записи закрыты (код 213)")
    for user in (cast.roads, cast.specialist):
        [n] = _got(user, "publication_failed")
        assert "не размещён" in n.title and "код 213" in n.body
    for other in (cast.housing, cast.coordinator, cast.head):
        assert _got(other, "publication_failed") == []


def test_it_tells_the_open_cases_executors_of_a_repeat(cast, run):
    with run.events():
        earlier = routed_case(cast, run, AT)
        repeat = actions.do_register_post(cast.municipality, message("Опять яма на Ленина, никто не чинит"))
        actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)
    [n] = _got(cast.roads, "case_marked_repeat")
    assert n.url == f"/cases/{earlier.pk}/" and "Опять яма" in n.body
    for other in (cast.housing, cast.specialist):
        assert _got(other, "case_marked_repeat") == []


def test_the_assigned_person_is_told_instead_of_the_whole_organization(cast, run):
    with run.events():
        case = routed_case(cast, run, AT, orgs=[cast.housing_org])
        case = actions.do_assign_person(case.assignments.get(), cast.housing, acting_user=cast.housing_chief)
    assert [n.title for n in _got(cast.housing, "person_assigned")] == [f"Вам назначено обращение №{case.pk}"]
    with run.events():
        case = actions.do_submit_draft(case, text="Подъезд покрасим.", acting_user=cast.housing)
        actions.do_approve_draft(Draft.objects.get(case=case), acting_user=cast.specialist)
    assert len(_got(cast.housing, "draft_approved")) == 1
    assert _got(cast.housing_chief, "draft_approved") == []


def test_links_in_e_mails_are_absolute(cast, run, smtp, settings):
    settings.SITE_URL = "https://otklik.example.ru"
    with run.events():
        case = _approved(cast, run)
    mail = [m for m in smtp.messages if "Проект согласован" in m["Subject"]]
    assert mail and f"https://otklik.example.ru/cases/{case.pk}/" in mail[0].get_payload(decode=True).decode()


def test_links_in_telegram_are_absolute(cast, run, bot, settings):
    from otklik.notify.tests.conftest import link

    settings.SITE_URL = "https://otklik.example.ru"
    link(cast.roads, "5001")
    with run.events():
        case = _approved(cast, run)
    texts = [m["text"] for m in bot.sent if m["chat"]["id"] == "5001" and "Проект согласован" in m["text"]]
    assert texts and f"https://otklik.example.ru/cases/{case.pk}/" in texts[0]


def test_it_tells_the_executors_when_a_case_they_work_on_is_excluded(cast, run):
    with run.events():
        case = routed_case(cast, run, AT, orgs=[cast.roads_org, cast.housing_org], lead=cast.roads_org)
        actions.do_exclude_case(case, reason_code="threat", comment="угрозы сотрудникам", acting_user=cast.specialist)
    for user in (cast.roads, cast.housing):
        [n] = _got(user, "case_excluded")
        assert n.title == f"Обращение №{case.pk} исключено (п. 22): угроза — работа по нему прекращена"
    assert _got(cast.water, "case_excluded") == [] and _got(cast.specialist, "case_excluded") == []
