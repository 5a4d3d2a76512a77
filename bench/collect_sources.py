"""Benchmark: collection throughput of the newer sources, fake API -> connector -> PostgreSQL.

Run by hand (not in CI), with PostgreSQL at 127.0.0.1:5432:

    .venv/bin/python bench/collect_sources.py [--messages 5000]

The companion of ``bench/collect.py`` (the official VK wall) for the sources of issue 20,
each through the production path (``collect_account`` / ``collect_watched`` -> connector
-> ``store_batch`` -> ``do_register_posts``; triage off), each fake over real HTTP on
127.0.0.1, API rate limits off (they are the network's, not ours):

* ``vk-watched``  — a watched third-party VK community: wall.get + execute (25 posts'
  comment pages a request) + wall.getComments for the rest;
* ``vk-messages`` — private messages to the community through Bots Long Poll, authors
  named with users.get (one call per 100 events);
* ``max``         — messages to the MAX bot, group chats and channel comments (GET /updates);
* ``telegram-private`` — messages to the Telegram bot (getUpdates).

Prints messages/s per source; target (issue 20): at least 500 messages/s each.
The database ``otklik_bench_collect_sources`` is created (and migrated) when missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DB_NAME = "otklik_bench_collect_sources"
PG = "postgres://postgres@127.0.0.1:5432"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--only", default="", help="comma-separated sources to run (default: all)")
    args = parser.parse_args()

    ensure_database()
    os.environ.update(
        DATABASE_URL=f"{PG}/{DB_NAME}", DJANGO_SETTINGS_MODULE="otklik.settings",
        OTKLIK_DATA_DIR="/tmp/otklik_bench_collect_sources_data", DEBUG="1", HUEY_IMMEDIATE="1", LOG_LEVEL="WARNING",
    )  # fmt: skip
    import django

    django.setup()
    from collections import defaultdict

    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)

    from otklik.cases import events
    from otklik.cases.models import Case, Post
    from otklik.connectors.base import AccountRef, RateLimiter, RetryPolicy
    from otklik.connectors.collect import account_ref, collect_account, collect_watched
    from otklik.connectors.max.connector import MaxConnector
    from otklik.connectors.max.fake import FakeMax
    from otklik.connectors.models import CollectionState, WatchedCommunity
    from otklik.connectors.telegram.connector import TelegramConnector
    from otklik.connectors.telegram.fake import FakeTelegram
    from otklik.connectors.vk.connector import VkConnector
    from otklik.connectors.vk.fake import FakeVk
    from otklik.connectors.vk.watched import VkWatchedConnector
    from otklik.directory.models import Municipality, OfficialAccount, Organization

    events._handlers = defaultdict(list)  # triage off: nothing subscribes to post_registered
    policy = RetryPolicy(attempts=3, base_delay=0.01)
    n = args.messages

    muni, _ = Municipality.objects.get_or_create(slug="bench-sources", defaults={"name": "Бенчмарк источников"})
    org, _ = Organization.objects.get_or_create(
        municipality=muni, kind=Organization.Kind.ADMINISTRATION, defaults={"name": "Администрация (бенчмарк)"}
    )

    def account(network: str, external_id: str, url: str) -> OfficialAccount:
        acc, _ = OfficialAccount.objects.get_or_create(
            network=network, external_id=external_id, defaults={"organization": org, "name": network, "url": url}
        )
        return acc

    def wipe() -> None:
        with transaction.atomic():
            Case.objects.filter(municipality=muni).delete()
            Post.objects.filter(municipality=muni).delete()
            CollectionState.objects.filter(account__organization=org).delete()
            CollectionState.objects.filter(watched__municipality=muni).delete()

    def measure(name: str, fake: Any, run: Callable[[], Any]) -> None:
        wipe()
        fake.requests.clear()
        RateLimiter.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = run()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        assert not result.error, result.error
        stored = Post.objects.filter(municipality=muni).count()
        assert stored == result.new, (stored, result.new)
        rate = stored / seconds
        print(f"{name:17} {stored:6d} messages in {seconds:6.2f} s: {rate:6.0f} messages/s, "
              f"{len(fake.requests)} HTTP requests, {result.batches} batches, "
              f"{stored / cpu:.0f} messages per CPU-second of this process (fake included); "
              f"target >= 500: {'met' if rate >= 500 else 'NOT met'} ({rate / 500:.1f}x)")  # fmt: skip
        wipe()

    only = set(filter(None, args.only.split(",")))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machines slow every figure)")
    print(f"database: PostgreSQL {getattr(connection, 'pg_version', 0) // 10000} ({DB_NAME}); messages per source: {n}")

    if not only or "vk-watched" in only:
        fake = FakeVk(group_id=777101, seed=1).start()
        for token, kind in (("g", "group"), ("s", "service"), ("u", "user")):
            fake.add_token(token, kind)
        fake.add_group(777102, "Подслушано (бенчмарк)", screen_name="bench_watched")
        acc = account("vk", "-777101", "https://vk.com/bench_sources_vk")
        acc.set_credentials({"community_token": "g", "service_token": "s", "user_token": "u", "mode": "wall"})
        acc.save()
        posts = [fake.add_post(f"Анонимно {i}", owner_id=-777102) for i in range(50)]
        for i in range(n - len(posts)):
            fake.add_comment(
                posts[i % len(posts)].id, f"Комментарий №{i}: яма у дома {i % 300}", from_id=1000 + i % 700
            )
        watched, _ = WatchedCommunity.objects.get_or_create(
            municipality=muni, network="vk", external_id="777102",
            defaults={"account": acc, "link": "https://vk.com/bench_watched", "name": "Подслушано (бенчмарк)"},
        )  # fmt: skip

        def watched_connector() -> VkWatchedConnector:
            c = VkWatchedConnector(account_ref(acc), group_id=777102, base_url=fake.base_url, policy=policy)
            c.rates, c.scan_posts = {"user": 0, "service": 0, "group": 0}, 50
            return c

        measure("vk-watched", fake, lambda: collect_watched(watched, connector=watched_connector()))
        fake.stop()

    if not only or "vk-messages" in only:
        fake = FakeVk(group_id=777201, seed=2).start()
        for token, kind in (("g", "group"), ("s", "service"), ("u", "user")):
            fake.add_token(token, kind)
        acc = account("vk", "-777201", "https://vk.com/bench_sources_msg")
        ref = AccountRef(key="bench-msg", network="vk", external_id="777201",
                         credentials={"community_token": "g", "service_token": "s", "mode": "longpoll"})  # fmt: skip

        def vk_connector() -> VkConnector:
            c = VkConnector(ref, base_url=fake.base_url, policy=policy)
            c.rates = {"user": 0, "service": 0, "group": 0}
            return c

        connector = vk_connector()
        collect_account(acc, connector=connector)  # the first run takes the Long Poll server
        cursor = CollectionState.objects.get(account=acc).cursor
        for i in range(n):
            fake.write_message(2000 + i % 900, f"Обращение №{i}: не вывозят мусор у дома {i % 300}")

        def run_messages() -> Any:
            state, _ = CollectionState.objects.get_or_create(account=acc)
            CollectionState.objects.filter(pk=state.pk).update(cursor=cursor)
            return collect_account(acc, connector=vk_connector())

        measure("vk-messages", fake, run_messages)
        fake.stop()

    if not only or "max" in only:
        fake = FakeMax(seed=3).start()
        fake.add_token("t")
        chat = fake.add_group_chat("Жители (бенчмарк)")
        post = fake.post_to_channel("Пост")
        for i in range(n):
            uid = 3000 + i % 900
            if i % 3 == 0:
                fake.user_writes(uid, f"Обращение №{i}")
            elif i % 3 == 1:
                fake.chat_message(chat, uid, f"В чате №{i}")
            else:
                fake.comment(post, uid, f"Комментарий №{i}")
        acc = account("max", str(fake.channel["chat_id"]), "https://max.ru/bench_sources")

        def max_connector() -> MaxConnector:
            ref = AccountRef(key="bench-max", network="max", external_id=str(fake.channel["chat_id"]),
                             credentials={"bot_token": "t"})  # fmt: skip
            c = MaxConnector(ref, base_url=fake.base_url, policy=policy)
            c.rate_per_second, c.max_pages = 0, 10_000
            return c

        measure("max", fake, lambda: collect_account(acc, connector=max_connector()))
        fake.stop()

    if not only or "telegram-private" in only:
        fake = FakeTelegram(seed=4).start()
        fake.add_token("1:t")
        for i in range(n):
            fake.write_to_bot(4000 + i % 900, f"Обращение №{i}", name="Житель")
        acc = account("telegram", str(fake.channel["id"]), "https://t.me/bench_sources")

        def tg_connector() -> TelegramConnector:
            ref = AccountRef(key="bench-tg", network="telegram", external_id=str(fake.channel["id"]),
                             credentials={"bot_token": "1:t", "discussion_chat_id": fake.group["id"]})  # fmt: skip
            c = TelegramConnector(ref, base_url=fake.base_url, policy=policy)
            c.rate_per_second = 0
            return c

        measure("telegram-private", fake, lambda: collect_account(acc, connector=tg_connector()))
        fake.stop()


if __name__ == "__main__":
    main()
