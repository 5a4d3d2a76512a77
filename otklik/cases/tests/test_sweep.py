"""The deadline sweep: warnings, breaches and lapsed §10 windows, each exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from otklik.cases.models import Case, Deadline
from otklik.cases.sweep import sweep

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


def _deadline(case: Case, *, due_in: int, warn_in: int, stage: str = "draft", **kw) -> Deadline:  # type: ignore[no-untyped-def]
    return Deadline.objects.create(
        case=case,
        stage=stage,
        point="11",
        limit_value=60,
        limit_unit="working_minutes",
        started_at=NOW - dt.timedelta(hours=1),
        due_at=NOW + dt.timedelta(minutes=due_in),
        warn_at=NOW + dt.timedelta(minutes=warn_in),
        **kw,
    )


@pytest.fixture
def case(cast):  # type: ignore[no-untyped-def]
    return Case.objects.create(municipality=cast.municipality, status="assigned")


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, int]] = []

    def __call__(self, kind: str, payload: dict) -> None:  # type: ignore[type-arg]
        def record() -> None:
            with self.lock:
                self.events.append((kind, payload["deadline_id"]))

        transaction.on_commit(record)


def test_it_warns_and_breaches_once(case, django_capture_on_commit_callbacks):
    warn_only = _deadline(case, due_in=10, warn_in=-1)
    breached = _deadline(case, due_in=-5, warn_in=-20)
    not_yet = _deadline(case, due_in=30, warn_in=20)
    rec = Recorder()
    with django_capture_on_commit_callbacks(execute=True):
        first = sweep(NOW, publish=rec)
        second = sweep(NOW, publish=rec)
    assert first.warned == [warn_only.pk]
    assert first.breached == [breached.pk]  # a breach sets warned_at too: the row is written once
    breached.refresh_from_db()
    assert breached.warned_at == breached.breached_at == NOW
    assert second.warned == second.breached == []
    # a warning that comes after the deadline is marked but not announced
    assert sorted(rec.events) == sorted([("deadline_warned", warn_only.pk), ("deadline_breached", breached.pk)])
    not_yet.refresh_from_db()
    assert not_yet.warned_at is None and not_yet.breached_at is None


def test_it_leaves_closed_deadlines_alone(case):
    closed = _deadline(case, due_in=-5, warn_in=-20, closed_at=NOW - dt.timedelta(minutes=30), outcome="met")
    assert sweep(NOW, publish=Recorder()).breached == []
    closed.refresh_from_db()
    assert closed.breached_at is None and closed.warned_at is None


def test_it_lapses_an_unused_return_window_without_a_breach(case):
    window = _deadline(case, stage="return_window", due_in=-1, warn_in=-10)
    Case.objects.filter(pk=case.pk).update(next_due_at=window.due_at)
    rec = Recorder()
    result = sweep(NOW, publish=rec)
    window.refresh_from_db()
    assert result.lapsed == [window.pk]
    assert window.outcome == "lapsed" and window.closed_at == window.due_at
    assert window.breached_at is None and not window.is_violation
    case.refresh_from_db()
    assert case.next_due_at is None  # the inbox no longer shows the closed window
    assert rec.events == []
    assert sweep(NOW, publish=rec).lapsed == []


def test_it_refreshes_the_nearest_deadline_of_every_lapsed_case(cast, monkeypatch):
    from otklik.cases import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "REFRESH_CHUNK", 2)
    cases = [Case.objects.create(municipality=cast.municipality, status="assigned") for _ in range(5)]
    for c in cases:
        window = _deadline(c, stage="return_window", due_in=-1, warn_in=-10)
        draft = _deadline(c, due_in=60, warn_in=50)
        Case.objects.filter(pk=c.pk).update(next_due_at=window.due_at)
    assert len(sweep(NOW, publish=Recorder()).lapsed) == 5
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("next_due_at", flat=True)) == {
        draft.due_at
    }


def test_it_works_in_batches(case):
    ids = {_deadline(case, due_in=-1, warn_in=-5).pk for _ in range(7)}
    result = sweep(NOW, batch_size=3, publish=Recorder())
    assert set(result.breached) == ids and len(result.breached) == 7


def test_it_publishes_events_to_subscribers(case, monkeypatch, django_capture_on_commit_callbacks):
    from otklik.cases import events

    seen: list[dict] = []  # type: ignore[type-arg]
    monkeypatch.setitem(events._handlers, "deadline_breached", [seen.append])
    d = _deadline(case, due_in=-1, warn_in=-5)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(NOW)
    assert [p["deadline_id"] for p in seen] == [d.pk]


def test_sweep_is_scheduled_every_minute():
    from huey.contrib.djhuey import HUEY

    import otklik.cases.tasks  # noqa: F401 - registers the job (the consumer autodiscovers tasks.py)

    due = HUEY.read_periodic(dt.datetime(2026, 11, 30, 9, 17))
    assert "sweep_deadlines" in {t.name for t in due}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_mark_each_row_once(cast):
    case = Case.objects.create(municipality=cast.municipality, status="assigned")
    Deadline.objects.bulk_create(
        Deadline(
            case=case,
            stage="return_window" if i % 10 == 0 else "draft",
            point="11",
            limit_value=60,
            limit_unit="working_minutes",
            started_at=NOW - dt.timedelta(hours=2),
            due_at=NOW - dt.timedelta(seconds=i),
            warn_at=NOW - dt.timedelta(minutes=10, seconds=i),
        )
        for i in range(3000)
    )
    rec = Recorder()
    barrier = threading.Barrier(2)
    results = []
    errors: list[BaseException] = []

    def consumer() -> None:
        try:
            barrier.wait()
            results.append(sweep(NOW, batch_size=50, publish=rec))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    warned = [i for r in results for i in r.warned]
    breached = [i for r in results for i in r.breached]
    lapsed = [i for r in results for i in r.lapsed]
    assert len(warned) == len(set(warned))
    assert len(breached) == len(set(breached)) == 2700
    assert len(lapsed) == len(set(lapsed)) == 300
    kinds = [k for k, _ in rec.events]
    assert len(rec.events) == len(set(rec.events)) and kinds.count("deadline_breached") == 2700
    assert not Deadline.objects.filter(closed_at__isnull=True, breached_at__isnull=True).exists()
    assert not Deadline.objects.filter(closed_at__isnull=True, warned_at__isnull=True).exists()
    assert "deadline_warned" not in kinds  # every row was already past due


def test_it_compares_times_in_any_timezone(case):
    from zoneinfo import ZoneInfo

    d = _deadline(case, due_in=10, warn_in=5)
    local = NOW.astimezone(ZoneInfo("Asia/Vladivostok"))  # the same moment, written as +10:00
    result = sweep(local, publish=Recorder())
    assert result.warned == result.breached == []
    assert sweep(local + dt.timedelta(minutes=11), publish=Recorder()).breached == [d.pk]
