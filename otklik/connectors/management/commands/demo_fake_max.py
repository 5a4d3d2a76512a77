"""`make run` demo: a fake MAX Bot API where residents write to the official bot.

Starts the fake MAX (the same one the tests use) on 127.0.0.1:<port>, points the demo's
MAX account at it (long polling) and, until stopped, writes a message to the bot or a
comment under the channel's post every few seconds and collects them into the feed.
For the demo database only: it overwrites that account's credentials.

    python manage.py demo_fake_max            # port 8782, the seeded MAX account
"""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from otklik.connectors.collect import collect_account
from otklik.connectors.demo import feed_live
from otklik.connectors.management.commands.demo_fake_vk import AUTHORS, COMMENTS
from otklik.connectors.max.fake import FakeMax
from otklik.directory.models import OfficialAccount


class Command(BaseCommand):
    help = "Запускает поддельный MAX с потоком сообщений боту для демонстрации (только для демо-базы)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8782)
        parser.add_argument("--every", type=float, default=9.0, help="в среднем секунд между сообщениями")
        parser.add_argument("--collect-every", type=float, default=10.0, help="секунд между сборами")
        parser.add_argument(
            "--limit", type=int, default=0, help="остановиться после стольких сообщений (0 — без конца)"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, port: int, every: float, collect_every: float, limit: int, seed: int | None,
               **options: Any) -> None:  # fmt: skip
        target = OfficialAccount.objects.filter(network="max", is_active=True).first()
        if target is None:
            raise CommandError("Нет официального аккаунта MAX (запустите seed_demo).")
        rng = random.Random(seed)
        fake = FakeMax(port=port, seed=seed)
        fake.add_token("demo-max-bot-token")
        for uid, first, last in AUTHORS:
            fake.add_user(uid, first, last)
        fake.start()
        target.set_credentials({"bot_token": "demo-max-bot-token", "mode": "polling", "api_base_url": fake.base_url})
        target.save(update_fields=["credentials_encrypted"])
        post = fake.post_to_channel("Приём граждан главой округа — по четвергам. Вопросы можно задать здесь.")
        self.stdout.write(f"Поддельный MAX: {fake.base_url} — бот @{fake.bot['username']} ({target})")

        def write() -> None:
            uid = rng.choice(AUTHORS)[0]
            if rng.random() < 0.3:
                fake.comment(post, uid, rng.choice(COMMENTS))
            else:
                fake.user_writes(uid, rng.choice(COMMENTS))

        try:
            feed_live(write, lambda: collect_account(target), every=every, collect_every=collect_every, limit=limit,
                      rng=rng, say=self.stdout.write, label="MAX: ")  # fmt: skip
        finally:
            fake.stop()
