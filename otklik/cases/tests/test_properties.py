"""Property test: random actions by random people never break the workflow's promises.

- every status change is in the transition table;
- nobody acts on a case they have no right to (an executor only on its own organization's);
- the events always replay to the case's current status;
- no stage is ever open twice for the same assignment, and ``next_due_at`` is the nearest
  open deadline.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from otklik.cases import actions
from otklik.cases.errors import ActionError
from otklik.cases.models import Case, Deadline
from otklik.cases.replay import replay_status
from otklik.cases.tests.helpers import Clock, message, msk
from otklik.cases.workflow import TRANSITIONS, Status
from otklik.directory.roles import scope_of
from otklik.testing import make_cast

USERS = ["specialist", "coordinator", "roads", "housing", "water", "head", "observer", "outsider", "stranger", None]
EXECUTORS = {"roads", "housing", "water", "stranger"}
READ_ONLY = {"head", "observer", "outsider"}
ACTIONS = [
    "detect",
    "route",
    "return_assignment",
    "submit_info",
    "approve_info",
    "return_info",
    "proceed",
    "submit_final",
    "submit_intermediate",
    "approve_draft",
    "return_draft",
    "publish",
    "publish_by_hand",
    "confirm",
    "fail",
    "exclude",
    "dismiss",
    "flag",
    "mark_repeat",
]

# "progress" picks the step the case would naturally take next and "auto" the person who
# would take it, so that random runs reach the late states, not only the refusals.
step = st.tuples(
    st.sampled_from(ACTIONS + ["progress"] * len(ACTIONS)),
    st.sampled_from(USERS + ["auto"] * len(USERS)),
    st.integers(0, 4),
    st.integers(0, 600),
)
# Which status moves each recorded event may make.
STEP_MOVES: dict[str, set[tuple[str, str]]] = {
    "case_detected": {("feed", "new")},
    "case_routed": {("new", "assigned")},
    "assignment_returned": {("assigned", "new")},
    "draft_submitted": {("assigned", "review"), ("revision", "review"), ("intermediate", "review")},
    "draft_approved": {("review", "approved")},
    "draft_returned": {("review", "revision")},
    "case_answered": {("approved", "answered")},
    "case_intermediate": {("approved", "intermediate")},
    "case_excluded": {
        (s, "excluded") for s in ("feed", "new", "assigned", "review", "revision", "approved", "intermediate")
    },
    "case_dismissed": {("feed", "dismissed"), ("new", "dismissed")},
}
SPECIALIST_STEPS = {"detect", "route", "approve_info", "return_info", "proceed", "approve_draft", "return_draft"}
SPECIALIST_STEPS |= {"publish_by_hand", "exclude", "dismiss", "flag", "mark_repeat"}


class WorkflowProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        make_cast(cls)

    def _route_choices(self) -> list[tuple[list, object]]:
        return [
            ([self.roads_org], None),
            ([self.water_org], None),
            ([self.roads_org, self.water_org], self.roads_org),
            ([self.housing_org, self.water_org, self.roads_org], self.housing_org),
            ([self.other_org], None),
        ]

    def _progress(self, case: Case, idx: int) -> tuple[str, object]:
        """The natural next step of ``case`` and the assignment it concerns."""
        status = case.status
        active = list(case.assignments.filter(is_active=True).order_by("id"))
        main = next((a for a in active if a.role != "co"), None)
        pending = case.publications.filter(status="pending").first()
        if status == Status.FEED:
            return "detect", None
        if status == Status.NEW:
            return "route", None
        if status == Status.ASSIGNED:
            for a in active:
                if a.role == "co" and a.status in ("assigned", "info_returned"):
                    return ("submit_info", a) if idx else ("return_assignment", a)
                if a.role == "co" and a.status == "info_submitted":
                    return ("approve_info" if idx % 3 else "return_info"), a
            return ("submit_intermediate" if idx == 4 else "submit_final"), main
        if status == Status.REVIEW:
            return ("approve_draft" if idx % 3 else "return_draft"), None
        if status in (Status.REVISION, Status.INTERMEDIATE):
            return "submit_final", main
        if status == Status.APPROVED:
            if pending is not None:
                return ("confirm" if idx % 2 else "fail"), None
            return ("publish_by_hand" if idx == 4 else "publish"), main
        return "flag", None

    def _auto_user(self, name: str, assignment: object) -> object:
        if name in SPECIALIST_STEPS:
            return self.specialist
        if name in ("confirm", "fail"):
            return None
        org_id = getattr(assignment, "organization_id", None)
        by_org = {
            self.roads_org.pk: self.roads,
            self.housing_org.pk: self.housing,
            self.water_org.pk: self.water,
            self.other_org.pk: self.stranger,
        }
        return by_org.get(org_id, self.specialist)

    def _run(self, name: str, user: object, idx: int, case: Case, other: Case) -> Case:
        assignments = list(case.assignments.order_by("id"))
        assignment = assignments[idx % len(assignments)] if assignments else None
        if name == "progress":
            name, chosen = self._progress(case, idx)
            assignment = chosen or assignment
        if user == "auto":
            user = self._auto_user(name, assignment)
        self._last_user = None if name in ("confirm", "fail") else user  # the connectors' calls: the system
        draft = case.drafts.order_by("-version").first()
        publication = case.publications.order_by("-id").first()
        u = {"acting_user": user}
        if name == "detect":
            return actions.do_detect_case(case, **u)
        if name == "route":
            orgs, lead = self._route_choices()[idx]
            return actions.do_route_case(case, orgs, lead=lead, **u)
        if name in ("return_assignment", "submit_info", "approve_info", "return_info") and assignment is None:
            raise ActionError("no assignment")
        if name == "return_assignment":
            return actions.do_return_assignment(assignment, reason="Не наша компетенция", **u)
        if name == "submit_info":
            return actions.do_submit_coexecutor_info(assignment, text="Наша часть", **u)
        if name == "approve_info":
            return actions.do_approve_coexecutor_info(assignment, **u)
        if name == "return_info":
            return actions.do_return_coexecutor_info(assignment, remarks="Дополните", **u)
        if name == "proceed":
            return actions.do_proceed_without_coexecutors(case, reason="Ждать нельзя", **u)
        if name == "submit_final":
            return actions.do_submit_draft(case, text="Ответ", **u)
        if name == "submit_intermediate":
            return actions.do_submit_draft(case, text="Промежуточный ответ", kind="intermediate", **u)
        if name in ("approve_draft", "return_draft") and draft is None:
            raise ActionError("no draft")
        if name == "approve_draft":
            return actions.do_approve_draft(draft, **u)
        if name == "return_draft":
            return actions.do_return_draft(draft, remarks="Исправьте", **u)
        if name == "publish":
            return actions.do_publish_answer(case, **u)
        if name == "publish_by_hand":
            return actions.do_publish_answer(case, external_url=f"https://vk.com/wall-1_{idx}", **u)
        if name in ("confirm", "fail"):
            if publication is None:
                raise ActionError("no publication")
            if name == "confirm":
                return actions.do_confirm_publication(publication, external_id=str(idx), url="")
            return actions.do_fail_publication(publication, error="Сеть недоступна")
        if name == "exclude":
            return actions.do_exclude_case(case, reason_code="threat", **u)
        if name == "dismiss":
            return actions.do_dismiss_case(case, reason="Не требует реакции", **u)
        if name == "flag":
            return actions.do_flag_significant(case, reason="Значимо", **u)
        if name == "mark_repeat":
            return actions.do_mark_repeat(case, earlier_case=other, **u)
        raise AssertionError(name)

    def _check_invariants(self, case: Case) -> None:
        assert replay_status(case) == case.status
        open_rows = Deadline.objects.filter(case=case, closed_at__isnull=True)
        doubles = open_rows.values("stage", "assignment").annotate(n=Count("id")).filter(n__gt=1)
        assert not doubles.exists(), list(doubles)
        # The nearest deadline counts the steps that ask for work, not a §10 return window.
        tasks = open_rows.exclude(stage="return_window")
        assert case.next_due_at == tasks.aggregate(m=Min("due_at"))["m"]
        if case.status in (Status.ANSWERED, Status.DISMISSED, Status.EXCLUDED):
            assert not open_rows.exists()

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps=st.lists(step, min_size=1, max_size=15))
    def test_random_actions_keep_the_workflow_promises(self, steps: list) -> None:
        with Clock(msk(2025, 3, 3, 9, 0)) as clock:
            other = actions.do_register_post(self.municipality, message())
            case = actions.do_register_post(self.municipality, message())
            for name, user_name, idx, minutes in steps:
                user = getattr(self, user_name) if user_name not in (None, "auto") else user_name
                before = Case.objects.get(pk=case.pk)
                own_orgs = set(before.assignments.filter(is_active=True).values_list("organization_id", flat=True))
                clock.advance(minutes=minutes)
                try:
                    self._run(name, user, idx, before, other)
                except ActionError:
                    after = Case.objects.get(pk=case.pk)
                    assert (after.status, after.version) == (before.status, before.version), name
                    continue
                after = Case.objects.get(pk=case.pk)
                user = self._last_user
                user_name = getattr(user, "username", None)
                assert after.version > before.version or name in ("confirm", "fail", "progress"), name  # idempotent
                if after.status != before.status:
                    assert Status(after.status) in TRANSITIONS[Status(before.status)], (before.status, after.status)
                    # ...and the move is the one this step stands for (assigned → new is only a §10 return).
                    kind = after.events.order_by("-id").values_list("kind", flat=True).first()
                    assert (before.status, after.status) in STEP_MOVES[kind], (kind, before.status, after.status)
                if user_name in READ_ONLY or user_name == "stranger":
                    raise AssertionError(f"{user_name} performed {name}")
                if user_name in EXECUTORS:
                    assert own_orgs & scope_of(user).organization_ids, (
                        f"{user_name} acted on a foreign case: {name} {steps}"
                    )
                self._check_invariants(after)
                event(f"reached {after.status}")
            self._check_invariants(Case.objects.get(pk=case.pk))
            assert clock.t >= msk(2025, 3, 3, 9, 0) - dt.timedelta(0)
