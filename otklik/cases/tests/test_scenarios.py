"""One scenario per regulation point, with every clock checked to the minute on real weeks.

Default schedule: Mon–Fri 09:00–13:00 and 14:00–18:00 Moscow. Fri 2025-03-07 is a shortened
pre-holiday day (ends 17:00, 8 March follows); 2025-12-31 … 2026-01-11 are days off.
"""

from __future__ import annotations

from unittest import mock

import pytest

from otklik.cases import actions, sla
from otklik.cases.models import Assignment, Deadline
from otklik.cases.replay import replay_status
from otklik.cases.sweep import sweep
from otklik.cases.tests.helpers import deadline, detected_case, message, msk, open_stages, routed_case

pytestmark = pytest.mark.django_db


def submit(case, cast, text="Ответ: яму заделаем до пятницы.", **kw):
    return actions.do_submit_draft(case, text=text, acting_user=cast.roads, **kw)


def latest_draft(case):
    return case.drafts.order_by("-version").first()


# --- §9.1, §9.2 -------------------------------------------------------------------------------


def test_detection_starts_the_route_clock_over_a_shortened_friday(cast, clock):
    clock.set(msk(2025, 3, 7, 16, 0))
    case = actions.do_register_post(cast.municipality, message())
    assert case.status == "feed" and open_stages(case) == []

    clock.set(msk(2025, 3, 7, 16, 30))
    case = actions.do_detect_case(case, acting_user=cast.specialist)

    route = deadline(case, "route")
    assert case.status == "new" and case.detected_at == msk(2025, 3, 7, 16, 30)
    assert (route.point, route.limit_value, route.limit_unit) == ("9.2", 60, "working_minutes")
    assert route.due_at == msk(2025, 3, 10, 9, 30)  # 30 min to 17:00 (shortened), 30 on Monday
    assert route.warn_at == msk(2025, 3, 10, 9, 15)
    assert route.organization == cast.admin_org
    assert case.next_due_at == route.due_at


def test_routing_in_time_meets_the_route_clock(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 7, 16, 30))
    clock.set(msk(2025, 3, 10, 9, 20))
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)

    route = deadline(case, "route")
    assert case.status == "assigned" and case.routed_at == msk(2025, 3, 10, 9, 20)
    assert (route.outcome, route.closed_at, route.closed_by) == ("met", msk(2025, 3, 10, 9, 20), cast.specialist)
    assert not route.is_violation


def test_late_routing_is_a_violation_late_by_working_time(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 7, 16, 30))
    clock.set(msk(2025, 3, 10, 9, 40))
    actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)

    rows = sla.violations(cast.municipality, msk(2025, 3, 1), msk(2025, 4, 1), now=msk(2025, 3, 10, 9, 45))
    assert [(r.stage, r.point, r.organization, r.late_by.total_seconds()) for r in rows] == [
        ("route", "9.2", cast.admin_org, 600)
    ]


# --- §10 --------------------------------------------------------------------------------------


def test_sole_executor_returns_inside_the_window_and_the_case_goes_back_to_new(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 7, 16, 45))
    assert deadline(case, "return_window").due_at == msk(2025, 3, 10, 9, 15)
    assert deadline(case, "draft").due_at == msk(2025, 3, 10, 9, 45)
    assert deadline(case, "publish_total").due_at == msk(2025, 3, 10, 12, 45)

    clock.set(msk(2025, 3, 10, 9, 10))
    case = actions.do_return_assignment(
        case.assignments.get(), reason="Не наша компетенция: дорога областная", acting_user=cast.roads
    )

    window = deadline(case, "return_window")
    assert case.status == "new"
    assert (window.outcome, window.closed_at, window.is_violation) == ("met", msk(2025, 3, 10, 9, 10), False)
    assert deadline(case, "draft").outcome == "cancelled"
    assert deadline(case, "publish_total").outcome == "cancelled"
    assert deadline(case, "route").due_at == msk(2025, 3, 10, 10, 10)
    assert open_stages(case) == ["route"]
    a = case.assignments.get()
    assert (a.status, a.is_active, a.return_reason) == ("returned", False, "Не наша компетенция: дорога областная")


def test_a_return_after_the_window_lapsed_is_recorded_as_a_violation(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    sweep(msk(2025, 3, 3, 10, 31))
    assert deadline(case, "return_window").outcome == "lapsed"
    assert not deadline(case, "return_window").is_violation

    clock.set(msk(2025, 3, 3, 10, 40))
    case = actions.do_return_assignment(case.assignments.get(), reason="Не наше", acting_user=cast.roads)

    window = deadline(case, "return_window")
    assert (window.outcome, window.closed_at, window.is_violation) == ("met", msk(2025, 3, 3, 10, 40), True)
    assert case.events.get(kind="assignment_returned").data["late"] is True


def test_a_co_executors_return_ends_only_its_part_and_starts_the_leads_draft(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), orgs=[cast.roads_org, cast.water_org], lead=cast.roads_org)
    water = case.assignments.get(organization=cast.water_org)
    assert deadline(case, "coexec_info", assignment=water).due_at == msk(2025, 3, 3, 12, 0)
    assert deadline(case, "publish_total").due_at == msk(2025, 3, 3, 15, 0)
    assert deadline(case, "draft") is None  # the lead waits for the co-executor's part

    clock.set(msk(2025, 3, 3, 10, 20))
    case = actions.do_return_assignment(water, reason="Водопровод тут ни при чём", acting_user=cast.water)

    assert case.status == "assigned"
    assert deadline(case, "coexec_info", assignment=water).outcome == "cancelled"
    assert deadline(case, "return_window", assignment=water).outcome == "met"
    draft = deadline(case, "draft")
    assert (draft.started_at, draft.due_at, draft.organization) == (
        msk(2025, 3, 3, 10, 20),
        msk(2025, 3, 3, 11, 20),
        cast.roads_org,
    )
    assert case.assignments.get(organization=cast.roads_org).is_active


# --- §11 --------------------------------------------------------------------------------------


def test_draft_clock_runs_over_the_new_year_holidays(cast, clock):
    case = routed_case(cast, clock, msk(2025, 12, 30, 17, 30))
    assert deadline(case, "draft").due_at == msk(2026, 1, 12, 9, 30)
    assert deadline(case, "return_window").due_at == msk(2025, 12, 30, 18, 0)

    clock.set(msk(2026, 1, 12, 9, 10))
    case = submit(case, cast)

    assert case.status == "review"
    assert (deadline(case, "draft").outcome, deadline(case, "draft").is_violation) == ("met", False)
    assert deadline(case, "return_window").outcome == "lapsed"  # accepted: no return happened
    review = deadline(case, "review")
    assert (review.point, review.due_at) == ("12, 13", msk(2026, 1, 12, 9, 40))
    draft = latest_draft(case)
    assert (draft.version, draft.kind, draft.organization, draft.author) == (1, "final", cast.roads_org, cast.roads)


# --- §12, §13, §14 ----------------------------------------------------------------------------


def _in_review_on_friday(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 7, 16, 0))
    clock.set(msk(2025, 3, 7, 16, 40))
    return submit(case, cast)


def test_approval_meets_the_review_clock_across_the_weekend(cast, clock):
    case = _in_review_on_friday(cast, clock)
    review = deadline(case, "review")
    assert review.due_at == msk(2025, 3, 10, 9, 10)
    assert review.warn_at == msk(2025, 3, 10, 9, 2, 30)

    clock.set(msk(2025, 3, 10, 9, 5))
    with mock.patch("otklik.cases._common.publish") as publish:
        case = actions.do_approve_draft(latest_draft(case), acting_user=cast.specialist)
        case = actions.do_publish_answer(case, acting_user=cast.roads)

    assert case.status == "approved"
    assert (deadline(case, "review").outcome, deadline(case, "review").closed_at) == ("met", msk(2025, 3, 10, 9, 5))
    publication = case.publications.get()
    assert (publication.status, publication.account, publication.created_by) == ("pending", cast.vk_account, cast.roads)
    kinds = [c.args[0] for c in publish.call_args_list]
    assert kinds == ["draft_approved", "publication_pending"]
    assert publish.call_args.args[1] == {
        "case_id": case.pk,
        "publication_id": publication.pk,
        "draft_id": latest_draft(case).pk,
        "actor_id": cast.roads.pk,
    }


def test_returned_draft_is_revised_and_resubmitted_in_time(cast, clock):
    case = _in_review_on_friday(cast, clock)
    clock.set(msk(2025, 3, 10, 9, 5))
    case = actions.do_return_draft(latest_draft(case), remarks="Укажите срок ремонта", acting_user=cast.specialist)

    revise = deadline(case, "revise")
    assert case.status == "revision"
    assert (revise.point, revise.due_at, revise.organization, revise.user) == (
        "14",
        msk(2025, 3, 10, 9, 35),
        cast.roads_org,
        cast.roads,
    )
    assert latest_draft(case).remarks == "Укажите срок ремонта"

    clock.set(msk(2025, 3, 10, 9, 30))
    case = submit(case, cast, text="Яму заделаем до 14 марта.")
    assert case.status == "review"
    assert (deadline(case, "revise").outcome, deadline(case, "revise").is_violation) == ("met", False)
    assert deadline(case, "review").due_at == msk(2025, 3, 10, 10, 0)
    assert latest_draft(case).version == 2


# --- §15, §16 ---------------------------------------------------------------------------------


def test_intermediate_answer_meets_publish_total_and_starts_the_seven_day_clock(cast, clock):
    case = routed_case(cast, clock, msk(2025, 5, 7, 9, 0))
    clock.set(msk(2025, 5, 7, 9, 30))
    case = submit(case, cast, text="Проверим и ответим.", kind="intermediate")
    clock.set(msk(2025, 5, 7, 10, 0))
    case = actions.do_approve_draft(latest_draft(case), acting_user=cast.specialist)
    clock.set(msk(2025, 5, 7, 11, 0))
    case = actions.do_publish_answer(
        case, external_url="https://vk.com/wall-100001_1?reply=9", acting_user=cast.specialist
    )

    assert case.status == "intermediate"
    assert (deadline(case, "publish_total").outcome, deadline(case, "publish_total").closed_at) == (
        "met",
        msk(2025, 5, 7, 11, 0),
    )
    final = deadline(case, "final_after_intermediate")
    assert (final.point, final.limit_value, final.limit_unit) == ("15", 7, "working_days")
    assert final.due_at == msk(2025, 5, 20, 18, 0)  # May 8–11 are days off

    clock.set(msk(2025, 5, 19, 12, 0))
    case = submit(case, cast, text="Яма заделана.")
    assert case.status == "review"
    assert deadline(case, "final_after_intermediate").outcome == "met"


def test_publication_meets_the_four_hour_clock_and_closes_the_case(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 6, 15, 0))
    assert deadline(case, "publish_total").due_at == msk(2025, 3, 7, 10, 0)
    clock.set(msk(2025, 3, 6, 15, 30))
    case = submit(case, cast)
    clock.set(msk(2025, 3, 6, 15, 50))
    case = actions.do_approve_draft(latest_draft(case), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, acting_user=cast.specialist)
    clock.set(msk(2025, 3, 7, 9, 50))
    case = actions.do_confirm_publication(case.publications.get(), external_id="77", url="https://vk.com/wall-1_1?r=77")

    assert case.status == "answered" and case.answered_at == msk(2025, 3, 7, 9, 50)
    total = deadline(case, "publish_total")
    assert (total.outcome, total.is_violation) == ("met", False)
    assert open_stages(case) == [] and case.next_due_at is None
    assert replay_status(case) == "answered"


# --- §17, §18 ---------------------------------------------------------------------------------


def test_co_executors_parts_are_reviewed_and_the_last_one_starts_the_leads_draft(cast, clock):
    case = routed_case(
        cast,
        clock,
        msk(2025, 3, 6, 16, 0),
        orgs=[cast.roads_org, cast.housing_org, cast.water_org],
        lead=cast.roads_org,
    )
    roles = dict(case.assignments.values_list("organization__short_name", "role"))
    assert roles == {"Дороги": "lead", "ЖКХ": "co", "Водоканал": "co"}
    housing = case.assignments.get(organization=cast.housing_org)
    water = case.assignments.get(organization=cast.water_org)
    assert deadline(case, "coexec_info", assignment=housing).due_at == msk(2025, 3, 6, 18, 0)  # lands on the end
    assert deadline(case, "publish_total").due_at == msk(2025, 3, 7, 11, 0)

    clock.set(msk(2025, 3, 7, 9, 30))
    case = actions.do_submit_coexecutor_info(housing, text="Подъезд отремонтируем в апреле.", acting_user=cast.housing)
    info = deadline(case, "coexec_info", assignment=housing)
    assert (info.outcome, info.is_violation) == ("met", True)
    assert deadline(case, "coexec_review", assignment=housing).due_at == msk(2025, 3, 7, 10, 0)

    clock.set(msk(2025, 3, 7, 9, 50))
    case = actions.do_approve_coexecutor_info(housing, acting_user=cast.specialist)
    housing.refresh_from_db()
    assert (housing.status, housing.forwarded_at) == ("info_approved", msk(2025, 3, 7, 9, 50))
    assert deadline(case, "draft") is None  # water is still outstanding

    clock.set(msk(2025, 3, 7, 16, 30))
    case = actions.do_submit_coexecutor_info(water, text="Воду дадим завтра.", acting_user=cast.water)
    assert deadline(case, "coexec_review", assignment=water).due_at == msk(2025, 3, 7, 17, 0)  # shortened day

    clock.set(msk(2025, 3, 7, 16, 50))
    case = actions.do_return_coexecutor_info(water, remarks="Укажите время", acting_user=cast.specialist)
    assert deadline(case, "coexec_revise", assignment=water).due_at == msk(2025, 3, 10, 9, 20)

    clock.set(msk(2025, 3, 10, 9, 15))
    case = actions.do_submit_coexecutor_info(water, text="Воду дадим к 12:00.", acting_user=cast.water)
    assert deadline(case, "coexec_revise", assignment=water).outcome == "met"
    clock.set(msk(2025, 3, 10, 9, 30))
    case = actions.do_approve_coexecutor_info(water, acting_user=cast.specialist)

    draft = deadline(case, "draft")
    assert (draft.started_at, draft.due_at, draft.organization) == (
        msk(2025, 3, 10, 9, 30),
        msk(2025, 3, 10, 10, 30),
        cast.roads_org,
    )
    clock.set(msk(2025, 3, 10, 10, 0))
    case = submit(case, cast)
    assert case.status == "review"


def test_specialist_proceeds_without_an_outstanding_co_executor(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0), orgs=[cast.roads_org, cast.water_org], lead=cast.roads_org)
    water = case.assignments.get(organization=cast.water_org)
    clock.set(msk(2025, 3, 3, 10, 30))
    case = actions.do_proceed_without_coexecutors(
        case, reason="Водоканал не отвечает, ждать нельзя", acting_user=cast.specialist
    )

    water.refresh_from_db()
    assert (water.status, water.is_active) == ("cancelled", False)
    assert deadline(case, "coexec_info", assignment=water).outcome == "cancelled"
    assert deadline(case, "return_window", assignment=water).outcome == "cancelled"
    assert deadline(case, "draft").due_at == msk(2025, 3, 3, 11, 30)


# --- §19, §22, §24 ----------------------------------------------------------------------------


def test_a_repeat_is_linked_both_ways_and_runs_the_same_procedure(cast, clock):
    earlier = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    repeat = detected_case(cast, clock, msk(2025, 3, 4, 11, 0), text="Яму так и не заделали!")
    repeat = actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)

    assert repeat.repeat_of == earlier
    assert list(earlier.repeats.all()) == [repeat]
    assert earlier.events.filter(kind="repeat_linked").get().data["repeat_case_id"] == repeat.pk
    # §19 «в порядке пп. 11–18»: straight to the earlier case's executor, no second routing clock.
    assert repeat.status == "assigned"
    assert deadline(repeat, "route").outcome == "cancelled"
    assert [a.organization for a in repeat.assignments.all()] == [cast.roads_org]
    assert deadline(repeat, "draft").due_at == msk(2025, 3, 4, 12, 0)


def test_a_repeat_of_a_long_answered_or_closed_case_is_routed_as_usual(cast, clock):
    dismissed = actions.do_dismiss_case(
        detected_case(cast, clock, msk(2025, 3, 3, 10, 0)), reason="не требует", acting_user=cast.specialist
    )
    repeat = detected_case(cast, clock, msk(2025, 3, 4, 11, 0), text="Опять про яму")
    repeat = actions.do_mark_repeat(repeat, earlier_case=dismissed, acting_user=cast.specialist)
    assert repeat.status == "new" and deadline(repeat, "route").closed_at is None


def test_exclusion_cancels_every_clock_and_leaves_no_violation(cast, clock):
    case = routed_case(cast, clock, msk(2025, 3, 7, 16, 0))
    clock.set(msk(2025, 3, 7, 16, 10))
    case = actions.do_exclude_case(case, reason_code="insult", comment="Оскорбления", acting_user=cast.specialist)

    assert (case.status, case.excluded_reason, case.closed_at) == ("excluded", "insult", msk(2025, 3, 7, 16, 10))
    assert set(Deadline.objects.filter(case=case).values_list("outcome", flat=True)) == {"met", "cancelled"}
    assert deadline(case, "route").outcome == "met"
    assert not Assignment.objects.filter(case=case, is_active=True).exists()
    assert sla.violations(cast.municipality, msk(2025, 3, 1), msk(2025, 4, 1), now=msk(2025, 3, 20)) == []
    assert not sla.overdue_now(msk(2025, 3, 20)).exists()


def test_flagging_as_significant_queues_the_report_to_the_head(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0), text="Прорыв трубы, затоплена школа")
    with mock.patch("otklik.cases._common.publish") as publish:
        case = actions.do_flag_significant(case, reason="Затоплена школа", acting_user=cast.specialist)

    assert (case.is_significant, case.significant_at) == (True, msk(2025, 3, 3, 10, 0))
    publish.assert_called_once_with("case_flagged_significant", {"case_id": case.pk, "actor_id": cast.specialist.pk})
    assert case.events.filter(kind="case_flagged_significant").exists()


def test_dismissal_closes_a_detected_case(cast, clock):
    case = detected_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_dismiss_case(case, reason="Благодарность, ответ не нужен", acting_user=cast.specialist)
    assert (case.status, deadline(case, "route").outcome, case.next_due_at) == ("dismissed", "cancelled", None)
