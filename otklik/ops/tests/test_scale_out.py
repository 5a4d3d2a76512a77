"""Scale-out: two web processes (gunicorn, via `otklik run`) and two job consumers (`otklik worker`)
on one PostgreSQL and one Redis run the regulation through the API while collection runs.

Nothing may happen twice: every collected message is stored once, and every case has one
route, one approval, one publication in the network, one set of deadlines and no repeated
notification — even though each step is sent to both web processes at the same moment and
both consumers schedule the periodic jobs.

Heavy (about a minute): runs once, on PostgreSQL with Redis (`make test-postgres`).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection, connections

from otklik.api.models import ApiToken
from otklik.cases.models import Case, CaseEvent, Deadline, Publication
from otklik.connectors.tests.helpers import start_vk, vk_credentials

pytestmark = [pytest.mark.heavy, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASES = 6
TIMEOUT = 120  # seconds for each waiting phase


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    sd = connection.settings_dict
    auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd.get("PASSWORD") else "")
    return f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{sd['NAME']}"


class Cluster:
    """The processes under test, with their logs in ``tmp``; stopped whatever happens."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env, self.procs = tmp, env, []
        self.ports: list[int] = []

    def _start(self, name: str, args: list[str], **extra: str) -> None:
        log = open(self.tmp / f"{name}.log", "w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "otklik.cli", *args],
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))

    def start(self) -> None:
        for i in (1, 2):
            port = _free_port()
            self.ports.append(port)
            self._start(
                f"web{i}",
                ["run", "--gunicorn"],
                OTKLIK_BIND=f"127.0.0.1:{port}",
                WEB_CONCURRENCY="1",
                PROMETHEUS_MULTIPROC_DIR=str(self.tmp / f"prom{i}"),
            )
        for i in (1, 2):
            self._start(f"worker{i}", ["worker", "--workers", "2"])
        deadline = time.monotonic() + 60
        for port in self.ports:
            while True:
                self.check_alive()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"web on {port} did not start:\n{self.logs()}")
                time.sleep(0.3)

    def check_alive(self) -> None:
        dead = [name for name, p in self.procs if p.poll() is not None]
        if dead:
            raise AssertionError(f"{dead} exited early:\n{self.logs()}")
        # Errors no retry can cure: fail now instead of waiting for the timeout.
        for name, _p in self.procs:
            text = (self.tmp / f"{name}.log").read_text()
            for fatal in ("NotSupportedError", "ProgrammingError"):
                if fatal in text:
                    raise AssertionError(f"{name} hit {fatal}:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n" + (self.tmp / f"{n}.log").read_text()[-3000:] for n, _ in self.procs)

    def enqueue(self, code: str) -> None:
        subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            env=self.env,
            check=True,
            timeout=60,
            capture_output=True,
        )

    def stop(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is None:
                # huey finishes running jobs on SIGINT; gunicorn stops gracefully on SIGTERM.
                os.killpg(proc.pid, signal.SIGINT if name.startswith("worker") else signal.SIGTERM)
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _wait(what: str, predicate, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        cluster.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{cluster.logs()}")
        time.sleep(0.5)


def test_two_web_processes_and_two_consumers_do_nothing_twice(cast, tmp_path):
    redis_url = os.environ.get("REDIS_TEST_URL")
    if not redis_url:
        pytest.skip("REDIS_TEST_URL is not set (make test-postgres sets it)")

    fake = start_vk()
    posts = [fake.add_post(f"Во дворе дома {i} по улице Ленина яма, помогите", from_id=501) for i in range(CASES)]
    account = cast.vk_account
    account.external_id = str(fake.group_id)
    account.set_credentials(vk_credentials("wall"))
    account.save()
    specialist = ApiToken.issue(user=cast.specialist, name="scale")[1]
    roads = ApiToken.issue(user=cast.roads, name="scale")[1]

    huey_name = f"otklik-scale-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OTKLIK_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_TESTING": "0",
        "HUEY_IMMEDIATE": "0",
        "DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "HUEY_NAME": huey_name,
        "SECRET_KEY": settings.SECRET_KEY,
        "OTKLIK_ENCRYPTION_KEYS": ",".join(settings.OTKLIK_ENCRYPTION_KEYS),
        "OTKLIK_DATA_DIR": str(tmp_path),
        "VK_API_BASE_URL": fake.base_url,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }
    cluster = Cluster(tmp_path, env)
    try:
        cluster.start()
        collect = f"from otklik.connectors.tasks import collect_account_task\nfor _ in range(4): collect_account_task({account.pk})"
        cluster.enqueue(collect)  # four collections at once over two consumers
        keys = {f"wall{fake.owner_id}_{p.id}" for p in posts}
        _wait(
            "the posts to be collected",
            lambda: Case.objects.filter(primary_post__source_key__in=keys).count() == CASES,
            cluster,
        )

        web = [f"http://127.0.0.1:{port}/api/v1" for port in cluster.ports]

        def call(i: int, token: str, path: str, body: dict | None = None) -> httpx.Response:
            return httpx.post(
                web[i % 2] + path,
                content=json.dumps(body or {}),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=30,
            )

        def version(case_id: int) -> int:
            r = httpx.get(f"{web[case_id % 2]}/cases/{case_id}", headers={"Authorization": f"Bearer {specialist}"})
            assert r.status_code == 200, r.text
            return r.json()["version"]

        def twice(token: str, path: str, body: dict) -> list[int]:
            """The same request (a double click: the same expected version) to both web processes at once."""
            with cf.ThreadPoolExecutor(2) as pool:
                return sorted(r.status_code for r in pool.map(lambda i: call(i, token, path, body), (0, 1)))

        def scenario(case_id: int) -> None:
            try:
                _scenario(case_id)
            finally:
                connections.close_all()  # this thread's connection must not outlive the test

        def _scenario(case_id: int) -> None:
            status = Case.objects.get(pk=case_id).status
            if status == "feed":
                assert call(case_id, specialist, f"/cases/{case_id}/detect").status_code == 200
            body = {"organizations": [cast.roads_org.pk], "expected_version": version(case_id)}
            codes = twice(specialist, f"/cases/{case_id}/route", body)
            assert codes[0] == 200 and codes[1] in (200, 409), codes
            r = call(case_id + 1, roads, f"/cases/{case_id}/drafts", {"text": "Яму заделаем до пятницы."})
            assert r.status_code == 200, r.text
            draft_id = r.json()["drafts"][-1]["id"]
            codes = twice(specialist, f"/drafts/{draft_id}/approve", {"expected_version": version(case_id)})
            assert codes[0] == 200 and codes[1] in (200, 409), codes
            codes = twice(roads, f"/cases/{case_id}/publish", {"expected_version": version(case_id)})
            assert codes[0] == 200 and codes[1] in (200, 409), codes

        case_ids = list(Case.objects.filter(primary_post__source_key__in=keys).values_list("pk", flat=True))
        more = [fake.add_post(f"Ещё сообщение {i}: не горит фонарь", from_id=502) for i in range(3)]
        with cf.ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(scenario, cid) for cid in case_ids]
            cluster.enqueue(collect)  # collection runs while the cases are being handled
            for f in futures:
                f.result(timeout=TIMEOUT)
        _wait(
            "the answers to be published",
            lambda: Case.objects.filter(pk__in=case_ids, status="answered").count() == CASES,
            cluster,
        )
        more_keys = {f"wall{fake.owner_id}_{p.id}" for p in more}
        _wait(
            "the later posts", lambda: Case.objects.filter(primary_post__source_key__in=more_keys).count() == 3, cluster
        )
    finally:
        cluster.stop()
        fake.stop()
        from huey import RedisHuey

        RedisHuey(name=huey_name, url=redis_url).storage.flush_all()

    # One comment in the network per case, one live publication per case.
    per_post = Counter(c.post_id for c in fake.published)
    assert sorted(per_post.values()) == [1] * CASES, per_post
    assert Publication.objects.filter(case__in=case_ids, status="published").count() == CASES
    assert not Publication.objects.filter(case__in=case_ids).exclude(status="published").exists()
    # Every post stored once: one case per collected post.
    assert Case.objects.filter(primary_post__source_key__in=keys | more_keys).count() == CASES + 3
    # One event of each kind per case in this straight scenario (no re-route, one draft).
    for cid in case_ids:
        kinds = Counter(CaseEvent.objects.filter(case_id=cid).values_list("kind", flat=True))
        assert max(kinds.values()) == 1, (cid, kinds)
    # One deadline per stage and assignment.
    stages = Counter(Deadline.objects.filter(case__in=case_ids).values_list("case_id", "stage", "assignment_id"))
    assert max(stages.values()) == 1, stages
    # No notification twice.
    from django.apps import apps

    Notification = apps.get_model("notify", "Notification")
    sent = Counter(Notification.objects.values_list("user_id", "kind", "case_id", "title"))
    assert not sent or max(sent.values()) == 1, sent
