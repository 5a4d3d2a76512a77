"""The job runner: huey with SQLite storage (default) and Redis (production), and the heartbeat."""

import os
import uuid

import pytest
from huey import RedisHuey, SqliteHuey

from otklik.directory.models import Heartbeat
from otklik.directory.tasks import heartbeat


def _roundtrip(huey) -> int:  # type: ignore[no-untyped-def]
    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(2, 3)
    task = huey.dequeue()
    huey.execute(task)
    return result.get()


def test_heartbeat_records_the_beat(db):
    heartbeat.call_local()
    assert Heartbeat.objects.get(name="consumer").beat_at is not None


def test_heartbeat_is_scheduled_every_minute():
    import datetime as dt

    from huey.contrib.djhuey import HUEY

    due = HUEY.read_periodic(dt.datetime(2026, 11, 30, 9, 17))
    assert "heartbeat" in {t.name for t in due}


def test_jobs_run_on_sqlite_storage(tmp_path):
    huey = SqliteHuey(name="otklik-test", filename=str(tmp_path / "huey.sqlite3"))
    assert _roundtrip(huey) == 5


def test_jobs_run_on_redis():
    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        pytest.skip("REDIS_TEST_URL is not set (make test sets it for the PostgreSQL run)")
    huey = RedisHuey(name=f"otklik-test-{uuid.uuid4().hex}", url=url)
    try:
        assert _roundtrip(huey) == 5
    finally:
        huey.storage.flush_all()


def test_settings_pick_redis_when_redis_url_is_set(monkeypatch):
    import importlib

    import otklik.settings as s

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    try:
        reloaded = importlib.reload(s)
        assert reloaded.HUEY["huey_class"] == "huey.PriorityRedisHuey"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(s)
