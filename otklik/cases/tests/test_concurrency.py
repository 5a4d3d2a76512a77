"""Two people acting on the same case at once: exactly one wins, the other gets CaseChanged.

Real row locks need PostgreSQL (SQLite serialises whole transactions), so these run only there:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/otklik_cases pytest otklik/cases -m postgres``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from otklik.cases import actions
from otklik.cases.errors import ActionError, CaseChanged
from otklik.cases.models import Case, CaseEvent, Deadline, Draft, Post, Publication
from otklik.cases.tests.helpers import detected_case, message, msk, routed_case

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; return each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the race's loser is part of the result
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("attempt", range(5))
def test_approve_and_return_of_the_same_draft_one_wins(cast, clock, attempt):
    case = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    case = actions.do_submit_draft(case, text="Проект", acting_user=cast.roads)
    draft = case.drafts.get()

    results = race(
        lambda: actions.do_approve_draft(draft, acting_user=cast.specialist),
        lambda: actions.do_return_draft(draft, remarks="Доработайте", acting_user=cast.coordinator),
    )

    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], CaseChanged)
    case.refresh_from_db()
    reviews = CaseEvent.objects.filter(case=case, kind__in=["draft_approved", "draft_returned"])
    assert reviews.count() == 1
    assert case.status == {"draft_approved": "approved", "draft_returned": "revision"}[reviews.get().kind]
    assert case.version == winners[0].version
    assert Deadline.objects.filter(case=case, stage="review", outcome="met").count() == 1
    assert Deadline.objects.filter(case=case, stage="revise").count() == (1 if case.status == "revision" else 0)


def test_two_specialists_routing_at_once_make_one_set_of_assignments(cast, clock):
    case = actions.do_detect_case(actions.do_register_post(cast.municipality, message()), acting_user=cast.specialist)
    results = race(
        lambda: actions.do_route_case(
            case, [cast.roads_org], acting_user=cast.specialist, expected_version=case.version
        ),
        lambda: actions.do_route_case(
            case, [cast.water_org], acting_user=cast.coordinator, expected_version=case.version
        ),
    )
    assert sorted(type(r).__name__ for r in results) == ["Case", "CaseChanged"]
    assert case.assignments.count() == 1
    assert Deadline.objects.filter(case=case, stage="draft").count() == 1


def test_the_same_message_stored_by_two_collectors_at_once_is_one_case(cast, clock):
    incoming = message(key="wall-1_777")
    results = race(
        lambda: actions.do_register_posts(cast.municipality, [message(), incoming]),
        lambda: actions.do_register_posts(cast.municipality, [incoming, message()]),
    )
    assert not any(isinstance(r, (ActionError, Exception)) for r in results), results
    assert results[0][1] == results[1][0]
    assert Post.objects.filter(source_key="wall-1_777").count() == 1
    assert Case.objects.count() == 3


@pytest.mark.parametrize("attempt", range(3))
def test_publishing_the_earlier_case_and_its_repeat_at_once_posts_the_repeat_once(cast, clock, attempt):
    earlier = routed_case(cast, clock, msk(2025, 3, 3, 10, 0))
    repeat = detected_case(cast, clock, msk(2025, 3, 3, 10, 20))
    repeat = actions.do_mark_repeat(repeat, earlier_case=earlier, acting_user=cast.specialist)
    earlier = actions.do_submit_draft(earlier, text="Ответ", acting_user=cast.roads)
    actions.do_approve_draft(Draft.objects.get(case=earlier), acting_user=cast.specialist)
    actions.do_share_answer(repeat, acting_user=cast.specialist)

    results = race(
        lambda: actions.do_publish_answer(earlier, acting_user=cast.roads),
        lambda: actions.do_publish_answer(repeat, acting_user=cast.specialist),
    )

    assert isinstance(results[0], Case)  # the earlier one posts either way
    assert isinstance(results[1], (Case, ActionError))
    assert Publication.objects.filter(case=repeat).count() == 1
    assert Publication.objects.filter(case=earlier).count() == 1
