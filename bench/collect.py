"""Benchmark: collection throughput, fake VK -> connector -> PostgreSQL, against one bulk insert.

Run by hand (not in CI), with PostgreSQL at 127.0.0.1:5432:

    .venv/bin/python bench/collect.py [--messages 1000,5000,20000] [--posts 20] [--page-size 100]

Each size runs on a fresh database ``otklik_bench_collect`` (dropped, created, migrated) whose
intake tables then have their planner statistics removed: the unanalysed database a new
installation collects into (issue 22). Besides messages/s it prints the cost per message of the
first and the last tenth of the batches: flat means the ratio stays near 1. A fake VK
community (the tests' fake, over real HTTP on 127.0.0.1) holds ``--messages`` comments
spread over ``--posts`` wall posts, a quarter of them thread replies. The measured path is
the production one: ``collect_account`` -> VK connector (wall scan: wall.get +
wall.getComments pages + thread pages) -> ``store_batch`` (dedupe, ``do_register_posts``:
a Post and a Case in ``feed`` with its event rows, cursor saved per batch). Triage is off:
no event subscribers run. The limit is the same Post and Case rows written with
``bulk_create`` (one INSERT per table). Prints messages/s for both and the ratio.
Targets (issue 6, 22): at least 500 messages/s at 20,000 messages on a fresh unanalysed
database, a flat cost per message; the ratio to the bulk insert 10% or more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DB_NAME = "otklik_bench_collect"
PG = "postgres://postgres@127.0.0.1:5432"


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", default="1000,5000,20000", help="comma-separated sizes, each on a fresh database")
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    sizes = [int(n) for n in args.messages.split(",")]
    if len(sizes) > 1:  # each size in its own process: a fresh database and a fresh Django
        for n in sizes:
            subprocess.run([sys.executable, __file__, "--messages", str(n), "--posts", str(args.posts),
                            "--page-size", str(args.page_size)], check=True)  # fmt: skip
        return
    args.messages = sizes[0]

    fresh_database()
    os.environ.update(
        DATABASE_URL=f"{PG}/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="otklik.settings",
        OTKLIK_DATA_DIR="/tmp/otklik_bench_collect_data",
        DEBUG="1",
        HUEY_IMMEDIATE="1",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from collections import defaultdict

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from otklik.cases.statistics import INTAKE_TABLES

    with connection.cursor() as cur:  # as nobody had analysed the tables (a superuser may do this)
        for table in INTAKE_TABLES:
            cur.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [table])
            cur.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = %s::regclass", [table])

    from otklik.cases import events
    from otklik.cases.models import Case, Post
    from otklik.connectors.base import AccountRef, RateLimiter, RetryPolicy
    from otklik.connectors.collect import collect_account
    from otklik.connectors.models import CollectionState
    from otklik.connectors.vk.connector import VkConnector
    from otklik.connectors.vk.fake import FakeVk
    from otklik.directory.models import Municipality, OfficialAccount, Organization

    events._handlers = defaultdict(list)  # triage off: nothing subscribes to post_registered

    muni, _ = Municipality.objects.get_or_create(slug="bench-collect", defaults={"name": "Бенчмарк сбора"})
    org, _ = Organization.objects.get_or_create(
        municipality=muni, kind=Organization.Kind.ADMINISTRATION, defaults={"name": "Администрация (бенчмарк)"}
    )
    fake = FakeVk(group_id=777001, seed=1).start()
    for token, kind in (("g", "group"), ("s", "service"), ("u", "user")):
        fake.add_token(token, kind)
    account, _ = OfficialAccount.objects.get_or_create(
        network="vk", external_id=str(fake.group_id),
        defaults={"organization": org, "name": "Бенчмарк", "url": "https://vk.com/bench_collect"},
    )  # fmt: skip
    account.set_credentials({"community_token": "g", "service_token": "s", "user_token": "u", "mode": "wall"})
    account.save()

    def wipe() -> None:
        with transaction.atomic():
            Case.objects.filter(municipality=muni).delete()
            Post.objects.filter(municipality=muni).delete()
            CollectionState.objects.filter(account=account).delete()

    posts = [fake.add_post(f"Новость {i}") for i in range(args.posts)]
    for i in range(args.messages):
        post = posts[i % len(posts)]
        roots = [c for c in list(fake.comments.values())[-50:] if c.post_id == post.id and not c.root_id]
        reply_to = roots[-1].id if roots and i % 4 == 3 else 0
        fake.add_comment(
            post.id, f"Сообщение жителя №{i}: яма на дороге у дома {i % 300}", from_id=1000 + i % 700, reply_to=reply_to
        )

    def connector() -> VkConnector:
        RateLimiter.reset()
        ref = AccountRef(
            key="bench", network="vk", external_id=str(fake.group_id), credentials=account.get_credentials()
        )
        c = VkConnector(ref, base_url=fake.base_url, policy=RetryPolicy(attempts=3, base_delay=0.01))
        c.rates = {"user": 0, "service": 0, "group": 0}  # VK's own limits are a property of VK, not of us
        c.page_size = args.page_size
        c.scan_posts = args.posts
        return c

    from otklik.connectors import collect as collect_module

    batch_costs: list[float] = []
    store = collect_module.store_batch

    def timed_store(state_id, account, batch):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = store(state_id, account, batch)
        if out[0]:
            batch_costs.append((time.perf_counter() - t) / out[0])
        return out

    collect_module.store_batch = timed_store  # type: ignore[assignment]
    wipe()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = collect_account(account, connector=connector())
    collect_module.store_batch = store  # type: ignore[assignment]
    collect_seconds = time.perf_counter() - started
    collect_cpu = time.process_time() - cpu_started
    assert not result.error, result.error
    stored = Post.objects.filter(municipality=muni).count()
    assert stored == args.messages == result.new, (stored, result.new)
    collected_rows = list(
        Post.objects.filter(municipality=muni).values(
            "network", "source_key", "url", "author_id", "author_name", "author_url", "text", "attachments",
            "parent_key", "published_at", "raw",
        )
    )  # fmt: skip
    http_requests = len(fake.requests)

    wipe()
    started, cpu_started = time.perf_counter(), time.process_time()
    with transaction.atomic():
        cases = Case.objects.bulk_create([Case(municipality=muni, status="feed") for _ in collected_rows])
        Post.objects.bulk_create(
            [
                Post(municipality=muni, case=case, account=account, **row)
                for case, row in zip(cases, collected_rows, strict=True)
            ]
        )
    bulk_seconds = time.perf_counter() - started
    bulk_cpu = time.process_time() - cpu_started
    wipe()
    fake.stop()

    rate = args.messages / collect_seconds
    limit = args.messages / bulk_seconds
    print(
        f"database: PostgreSQL {getattr(connection, 'pg_version', 0) // 10000} ({DB_NAME}); messages: {args.messages}; posts: {args.posts}; page size: {args.page_size}"
    )
    print(
        f"collection (fake VK over HTTP -> connector -> do_register_posts, case in feed, triage off): {collect_seconds:.2f} s, {rate:.0f} messages/s, {http_requests} HTTP requests, {result.batches} batches"
    )
    print(f"limit (same Post+Case rows, bulk_create, one transaction): {bulk_seconds:.2f} s, {limit:.0f} messages/s")
    load = os.getloadavg()[0]
    print(
        f"this process's CPU time: collection {collect_cpu:.2f} s ({args.messages / collect_cpu:.0f} messages per "
        f"CPU-second, fake server threads included), bulk {bulk_cpu:.2f} s; "
        f"load average at the end {load:.1f} on {os.cpu_count()} cores"
    )
    tenth = max(len(batch_costs) // 10, 1)
    first = statistics.median(batch_costs[:tenth]) * 1000
    last = statistics.median(batch_costs[-tenth:]) * 1000
    print(
        f"storing cost per message: first tenth of batches {first:.2f} ms, last tenth {last:.2f} ms "
        f"(ratio {last / first:.2f}; flat ~ 1)"
    )
    print(
        f"ratio collection / bulk insert: {rate / limit:.1%} (target >= 10%); target >= 500 messages/s: {'met' if rate >= 500 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
