"""Files sent with a notification: rebuilt per attempt, a broken source retried, long runs hand rows back."""

from __future__ import annotations

import itertools

import pytest

from otklik.cases.tests.helpers import msk
from otklik.notify import attachments, services
from otklik.notify.attachments import Attachment
from otklik.notify.models import Delivery

AT = msk(2026, 11, 30, 10, 0)


@pytest.fixture
def source():  # type: ignore[no-untyped-def]
    """A test source "memo:<text>" whose builder fails while ``state["broken"]``."""
    state = {"broken": True, "builds": 0}

    def build(key: str) -> list[Attachment]:
        state["builds"] += 1
        if state["broken"]:
            raise RuntimeError("renderer crashed")
        return [Attachment("memo.txt", key.encode(), "text/plain")]

    attachments.register("memo", build)
    yield state
    attachments._BUILDERS.pop("memo", None)


def _notify(cast, user, key: str, **kw):  # type: ignore[no-untyped-def]
    return services.notify([user], kind="test", title=f"Записка {key}", url="/cases/1/", dedupe_key=key,
                           municipality=cast.municipality, now=AT, **kw)  # fmt: skip


def test_a_broken_source_is_retried_and_does_not_stop_the_others(cast, smtp, source):
    _notify(cast, cast.head, "a", attachment_ref="memo:привет")
    _notify(cast, cast.roads, "b")
    assert services.send_due(AT) == {"sent": 1, "retry": 1, "failed": 0}
    waiting = Delivery.objects.get(status="pending")
    assert "не удалось подготовить вложение" in waiting.last_error and "renderer crashed" in waiting.last_error
    source["broken"] = False
    assert services.send_due(waiting.next_attempt_at)["sent"] == 1
    mail = [m for m in smtp.messages if m["To"] == "head@example.org"][0]
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "memo.txt" and part.get_content() == "привет"
    assert source["builds"] == 2  # rebuilt for the retry, not kept from the first attempt


def test_a_long_run_hands_the_rest_back_before_the_lease_ends(cast, smtp, source, monkeypatch):
    source["broken"] = False
    for key in ("a", "b", "c"):
        _notify(cast, cast.head, key, attachment_ref=f"memo:{key}")
    clock = itertools.chain([0.0, 0.0], itertools.repeat(services.LEASE.total_seconds()))
    monkeypatch.setattr(services, "monotonic", lambda: next(clock))
    assert services.send_due(AT)["sent"] == 1
    rest = Delivery.objects.filter(status="pending")
    assert rest.count() == 2 and {d.next_attempt_at for d in rest} == {AT} and {d.attempts for d in rest} == {0}
    monkeypatch.undo()
    assert services.send_due(AT)["sent"] == 2 and len(smtp.messages) == 3
