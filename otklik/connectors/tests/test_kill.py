"""A real process kill: a collecting worker gets SIGKILL in the middle of its run; a
restarted one finishes. Each message is stored exactly once. PostgreSQL only (the
worker is another process and must see the test database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from otklik.cases.models import Post
from otklik.connectors.tests.helpers import vk_credentials

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy, pytest.mark.postgres]


def worker_env(tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,  # the credentials are encrypted with a key derived from it
        "OTKLIK_ENCRYPTION_KEYS": ",".join(getattr(settings, "OTKLIK_ENCRYPTION_KEYS", []) or []),
        "OTKLIK_TESTING": "0",
        "HUEY_IMMEDIATE": "0",
        "OTKLIK_DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }


def test_a_killed_worker_loses_and_duplicates_nothing(vk_account, fake_vk, tmp_path):
    posts = [fake_vk.add_post(f"Пост {i}") for i in range(12)]
    keys = set()
    for i in range(1200):
        post = posts[i % len(posts)]
        comment = fake_vk.add_comment(post.id, f"сообщение {i}")
        keys.add(f"wall-{fake_vk.group_id}_{post.id}_{comment.id}")
    vk_account.set_credentials({**vk_credentials("wall"), "api_base_url": fake_vk.base_url})
    vk_account.save()
    command = [sys.executable, "manage.py", "collect_now", "--account", str(vk_account.pk), "--force"]
    cwd = settings.BASE_DIR

    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(command, cwd=cwd, env=worker_env(tmp_path), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while Post.objects.count() == 0 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    stored_at_kill = Post.objects.count()
    assert 0 < stored_at_kill < len(keys), "the kill must land in the middle of the run"
    print(f"stored when killed: {stored_at_kill} of {len(keys)}")

    subprocess.run(command, cwd=cwd, env=worker_env(tmp_path), check=True, capture_output=True, timeout=300)
    stored = list(Post.objects.values_list("source_key", flat=True))
    assert len(stored) == len(set(stored)) and set(stored) == keys


def test_a_worker_killed_while_posting_an_answer_is_reconciled_not_reposted(
    cast, vk_account, fake_vk, tmp_path, monkeypatch
):
    """Issue 19 item 3 with a real SIGKILL: the comment is posted, the worker dies waiting for the
    answer; once the lease has run out the sweep finds the comment and confirms it."""
    from otklik.cases import actions, events
    from otklik.cases.models import Publication
    from otklik.cases.tests.helpers import Clock
    from otklik.connectors.collect import collect_account
    from otklik.connectors.publish import sweep_publications
    from otklik.connectors.tests.helpers import vk_connector

    monkeypatch.setitem(events._handlers, "publication_pending", [])  # the worker below delivers it
    fake_vk.add_comment(fake_vk.add_post("Пост").id, "Когда уберут снег?")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="Техника выйдет сегодня.", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    publication = actions.do_publish_answer(case, account=vk_account, acting_user=cast.specialist).publications.get()
    fake_vk.faults.schedule("slow_response", op="wall.createComment", delay=60)

    code = f"from otklik.connectors.publish import deliver_publication; deliver_publication({publication.pk})"
    env = {**worker_env(tmp_path), "VK_API_BASE_URL": fake_vk.base_url}
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=settings.BASE_DIR, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not fake_vk.published and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    assert worker.poll() is None and len(fake_vk.published) == 1, (tmp_path / "worker.log").read_text()[-3000:]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    publication.refresh_from_db()
    assert publication.status == "pending" and publication.lease_until is not None

    with Clock(publication.lease_until) as clock:
        clock.advance(seconds=1)
        fake_vk.faults.clear()
        assert sweep_publications(make_connector=lambda p: vk_connector(fake_vk)) == {str(publication.pk): "found"}
    assert Publication.objects.get().status == "published" and len(fake_vk.published) == 1


def test_a_killed_max_worker_loses_and_duplicates_nothing(cast, tmp_path):
    """The same with MAX: the marker is committed only after the batch is stored."""
    from otklik.connectors.max.fake import FakeMax

    fake = FakeMax().start()
    try:
        fake.add_token("t")
        chat = fake.add_group_chat("Жители")
        keys = set()
        for i in range(1500):
            m = fake.user_writes(700 + i % 50, f"сообщение {i}") if i % 2 else fake.chat_message(chat, 700, f"чат {i}")
            keys.add(f"{m['recipient']['chat_id']}/{m['body']['mid']}")
        account = cast.vk_account
        account.network, account.url, account.external_id = "max", "https://max.ru/adm", str(fake.channel["chat_id"])
        account.set_credentials({"bot_token": "t", "api_base_url": fake.base_url})
        account.save()
        command = [sys.executable, "manage.py", "collect_now", "--account", str(account.pk), "--force"]
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=worker_env(tmp_path), stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while Post.objects.count() == 0 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        stored_at_kill = Post.objects.count()
        assert 0 < stored_at_kill < len(keys), "the kill must land in the middle of the run"
        subprocess.run(
            command, cwd=settings.BASE_DIR, env=worker_env(tmp_path), check=True, capture_output=True, timeout=300
        )
        stored = list(Post.objects.values_list("source_key", flat=True))
        assert len(stored) == len(set(stored)) and set(stored) == keys
    finally:
        fake.stop()
