"""Bad input: a clear Russian error, and nothing changed."""

from __future__ import annotations

import pytest

from otklik.cases import actions
from otklik.cases.errors import CaseChanged, InvalidTransition, ValidationFailed
from otklik.cases.models import Case, CaseEvent, Deadline
from otklik.cases.tests.helpers import detected_case, msk, routed_case
from otklik.directory.models import OfficialAccount, Organization, Topic

pytestmark = pytest.mark.django_db


def snapshot(case):
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.status,
        fresh.version,
        CaseEvent.objects.filter(case=case).count(),
        Deadline.objects.filter(case=case).count(),
        Deadline.objects.filter(case=case, closed_at__isnull=True).count(),
    )


@pytest.fixture
def assigned(cast, clock):
    return routed_case(cast, clock, msk(2025, 3, 3, 10, 0))


@pytest.fixture
def in_review(cast, assigned):
    return actions.do_submit_draft(assigned, text="Проект", acting_user=cast.roads)


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_empty_reasons_and_remarks_are_refused(cast, assigned, in_review, blank):
    before = snapshot(in_review)
    with pytest.raises(ValidationFailed, match="Укажите замечания"):
        actions.do_return_draft(in_review.drafts.get(), remarks=blank, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Укажите причину возврата"):
        actions.do_return_assignment(in_review.assignments.get(), reason=blank, acting_user=cast.roads)
    with pytest.raises(ValidationFailed, match="Укажите"):
        actions.do_dismiss_case(in_review, reason=blank, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Укажите"):
        actions.do_flag_significant(in_review, reason=blank, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Укажите текст"):
        actions.do_submit_draft(in_review, text=blank, acting_user=cast.roads)
    assert snapshot(in_review) == before


def test_a_draft_for_an_excluded_case_is_refused(cast, assigned):
    case = actions.do_exclude_case(assigned, reason_code="obscenity", acting_user=cast.specialist)
    before = snapshot(case)
    with pytest.raises(InvalidTransition, match="Исключено"):
        actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    assert snapshot(case) == before


def test_publishing_an_unapproved_draft_is_refused(cast, in_review):
    before = snapshot(in_review)
    with pytest.raises(InvalidTransition, match="согласованный"):
        actions.do_publish_answer(in_review, acting_user=cast.specialist)
    assert snapshot(in_review) == before
    assert not in_review.publications.exists()


@pytest.mark.parametrize("which", ["inactive", "foreign", "lead_outside", "no_lead", "none"])
def test_bad_routing_is_refused(cast, clock, which):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))
    closed = Organization.objects.create(
        municipality=cast.municipality,
        parent=cast.admin_org,
        kind="subdivision",
        name="Упразднено",
        short_name="Старое",
    )
    Organization.objects.filter(pk=closed.pk).update(is_active=False)
    orgs, lead, message = {
        "inactive": ([closed], None, "не действует"),
        "foreign": ([cast.other_org], None, "другому муниципальному"),
        "lead_outside": ([cast.roads_org, cast.water_org], cast.housing_org, "среди выбранных"),
        "no_lead": ([cast.roads_org, cast.water_org], None, "основного исполнителя"),
        "none": ([], None, "хотя бы одну"),
    }[which]
    before = snapshot(case)
    with pytest.raises(ValidationFailed, match=message):
        actions.do_route_case(case, orgs, lead=lead, acting_user=cast.specialist)
    assert snapshot(case) == before
    assert not case.assignments.exists()


def test_other_bad_values_are_refused(cast, assigned, in_review):
    before = snapshot(in_review)
    foreign_topic = Topic.objects.create(municipality=cast.other_municipality, name="Дороги")
    with pytest.raises(ValidationFailed, match="рубрикаторе"):
        actions.do_set_topic(in_review, foreign_topic, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Основание исключения"):
        actions.do_exclude_case(in_review, reason_code="spam", acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Вид проекта"):
        actions.do_submit_draft(in_review, text="x", kind="draft", acting_user=cast.roads)
    with pytest.raises(ValidationFailed, match="повтором самого себя"):
        actions.do_mark_repeat(in_review, earlier_case=in_review, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="вложение"):
        actions.do_submit_draft(
            in_review, text="x", attachments=[{"url": "javascript:alert(1)"}], acting_user=cast.roads
        )
    assert snapshot(in_review) == before


def test_a_stale_form_gets_case_changed(cast, assigned):
    before = snapshot(assigned)
    with pytest.raises(CaseChanged, match="изменено другим"):
        actions.do_submit_draft(assigned, text="Ответ", acting_user=cast.roads, expected_version=assigned.version - 1)
    assert snapshot(assigned) == before


def test_publication_account_and_link_are_checked(cast, clock, in_review):
    case = actions.do_approve_draft(in_review.drafts.get(), acting_user=cast.specialist)
    before = snapshot(case)
    ok_account = OfficialAccount.objects.create(
        organization=cast.roads_org, network="ok", name="Дороги в ОК", url="https://ok.ru/roads"
    )
    with pytest.raises(ValidationFailed, match="той же соцсети"):
        actions.do_publish_answer(case, account=ok_account, acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="Некорректная ссылка"):
        actions.do_publish_answer(case, external_url="vk.com/x", acting_user=cast.specialist)
    with pytest.raises(ValidationFailed, match="не в ту соцсеть"):
        actions.do_publish_answer(case, external_url="https://ok.ru/x", acting_user=cast.specialist)
    assert snapshot(case) == before


def test_routing_a_closed_case_is_an_invalid_transition(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_dismiss_case(case, reason="Спам", acting_user=cast.specialist)
    with pytest.raises(InvalidTransition, match="Не требует реакции"):
        actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)


def test_detecting_a_case_already_in_work_is_refused(cast, assigned):
    before = snapshot(assigned)
    with pytest.raises(InvalidTransition, match="уже выявлено"):
        actions.do_detect_case(assigned, acting_user=cast.specialist)
    assert snapshot(assigned) == before


def test_a_second_identical_route_from_a_stale_copy_does_not_reroute(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))
    stale = Case.objects.get(pk=case.pk)  # both specialists loaded the case before either routed
    actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    before = snapshot(case)
    with pytest.raises(CaseChanged):
        actions.do_route_case(stale, [cast.roads_org], acting_user=cast.specialist)
    assert snapshot(case) == before
