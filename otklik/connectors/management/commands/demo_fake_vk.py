"""`make run` demo: a fake VK community whose wall fills with residents' comments,
and a watched third-party community («Подслушано в Георгиевске») where they write too.

Starts the fake VK API (the same one the tests use) on 127.0.0.1:<port>, points the
demo community's official account at it (Long Poll mode) and, until stopped, writes a
new comment every few seconds and collects them into the feed. For the demo database
only: it overwrites that account's credentials.

    python manage.py demo_fake_vk            # port 8781, the seeded «Администрация» VK account
    python manage.py demo_fake_vk --port 8781 --every 6 --collect-every 10
"""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from otklik.connectors.collect import collect_account, collect_watched, ensure_watched_state
from otklik.connectors.demo import feed_live
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.vk.fake import FakeVk
from otklik.directory.models import OfficialAccount

POSTS = [
    "Администрация информирует: с 1 декабря начинается плановый ремонт ул. Ленина. Возможны перекрытия движения.",
    "Графики вывоза мусора на декабрь опубликованы на сайте администрации. Вопросы — в комментариях.",
    "Зимнее содержание дорог: техника работает в круглосуточном режиме. Сообщайте о нерасчищенных участках.",
]
COMMENTS = [
    "На Калинина 45 яма на дороге уже месяц, когда засыпят?",
    "Во дворе Гагарина 12 не горят фонари, темно, страшно ходить детям.",
    "Третий день нет горячей воды на Октябрьской 7. Куда звонить?",
    "Спасибо за расчищенные тротуары у школы №5!",
    "Мусор на Мира 20 не вывозили с понедельника, контейнеры переполнены.",
    "Остановку на Пятигорской так и не отремонтировали, крыша течёт.",
    "Подскажите, работает ли сегодня МФЦ на Ленина?",
    "Снег во дворе Строителей 3 не убирают, машины не могут выехать.",
    "Когда откроют детскую площадку в сквере? Уже всё готово вроде.",
    "Бродячие собаки у рынка, нападают на людей. Примите меры!",
    "Прорыв трубы на Кирова 15, вода течёт по улице.",
    "В подъезде дома Лермонтова 8 нет отопления, батареи холодные.",
    "Светофор на перекрёстке Ленина и Калинина не работает с утра.",
    "Автобус №4 опять не пришёл по расписанию, ждали 40 минут.",
    "Благодарю за быстрый ремонт крыльца поликлиники!",
    "Гололёд на тротуаре у больницы, люди падают. Посыпьте, пожалуйста.",
    "Когда будет капремонт крыши на Октябрьской 21? Течёт в квартиры.",
    "Свалка строительного мусора за гаражами на Советской.",
]
WATCHED_ID = 290001  # the fake third-party community
WATCHED_POSTS = [
    "Анонимно: на Октябрьской вторую неделю не вывозят мусор, администрация, ау?",
    "Подслушано: кто знает, когда починят освещение в парке Победы?",
]
AUTHORS = [
    (601, "Ирина", "Смирнова"), (602, "Алексей", "Кузнецов"), (603, "Наталья", "Попова"),
    (604, "Сергей", "Васильев"), (605, "Ольга", "Новикова"), (606, "Дмитрий", "Морозов"),
    (607, "Елена", "Волкова"), (608, "Андрей", "Соколов"), (609, "Татьяна", "Лебедева"),
]  # fmt: skip


class Command(BaseCommand):
    help = "Запускает поддельный ВКонтакте с потоком комментариев для демонстрации (только для демо-базы)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8781)
        parser.add_argument("--account", type=int, help="id официального аккаунта ВК (по умолчанию — администрации)")
        parser.add_argument("--every", type=float, default=6.0, help="в среднем секунд между комментариями")
        parser.add_argument("--collect-every", type=float, default=10.0, help="секунд между сборами")
        parser.add_argument(
            "--limit", type=int, default=0, help="остановиться после стольких комментариев (0 — без конца)"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(
        self,
        *args: Any,
        port: int,
        account: int | None,
        every: float,
        collect_every: float,
        limit: int,
        seed: int | None,
        **options: Any,
    ) -> None:
        accounts = OfficialAccount.objects.filter(network="vk", is_active=True).exclude(external_id="")
        target = (
            accounts.filter(pk=account).first()
            if account
            else accounts.filter(organization__kind="administration").first() or accounts.first()
        )
        if target is None:
            raise CommandError("Нет официального аккаунта ВКонтакте с внешним идентификатором (запустите seed_demo).")
        rng = random.Random(seed)
        fake = FakeVk(group_id=abs(int(target.external_id)), port=port, seed=seed)
        for token, kind in (
            ("demo-group-token", "group"),
            ("demo-service-key", "service"),
            ("demo-admin-token", "user"),
        ):
            fake.add_token(token, kind)
        for uid, first, last in AUTHORS:
            fake.add_user(uid, first, last)
        fake.start()
        target.set_credentials(
            {
                "community_token": "demo-group-token",
                "service_token": "demo-service-key",
                "user_token": "demo-admin-token",
                "mode": "longpoll",
                "api_base_url": fake.base_url,
            }  # fmt: skip
        )
        target.save(update_fields=["credentials_encrypted"])
        posts = [fake.add_post(text) for text in POSTS]
        watched = self._watched(fake, target)
        posts += [fake.add_post(text, owner_id=-WATCHED_ID) for text in WATCHED_POSTS]
        self.stdout.write(f"Поддельный ВКонтакте: {fake.base_url} — сообщество {fake.group_id} ({target})")

        def collect() -> Any:
            result = collect_account(target)
            other = collect_watched(watched)
            result.new += other.new
            result.error = result.error or other.error
            return result

        try:
            feed_live(lambda: self._write_comment(fake, rng, posts), collect, every=every,
                      collect_every=collect_every, limit=limit, rng=rng, say=self.stdout.write)  # fmt: skip
        finally:
            fake.stop()

    def _watched(self, fake: FakeVk, target: OfficialAccount) -> WatchedCommunity:
        fake.add_group(WATCHED_ID, "Подслушано в Георгиевске", screen_name="podslushano_georgievsk_demo",
                       members_count=48210)  # fmt: skip
        watched, _ = WatchedCommunity.objects.update_or_create(
            municipality=target.organization.municipality, network="vk", external_id=str(WATCHED_ID),
            defaults={"account": target, "link": "https://vk.com/podslushano_georgievsk_demo",
                      "screen_name": "podslushano_georgievsk_demo", "name": "Подслушано в Георгиевске",
                      "members_count": 48210, "is_closed": False},
        )  # fmt: skip
        ensure_watched_state(watched)
        return watched

    def _write_comment(self, fake: FakeVk, rng: random.Random, posts: list[Any]) -> None:
        post = rng.choice(posts)
        uid = rng.choice(AUTHORS)[0]
        roots = [c for c in fake.comments.values() if c.post_id == post.id and not c.root_id and not c.deleted]
        if roots and rng.random() < 0.25:
            fake.add_comment(
                post.id,
                rng.choice(["Поддерживаю!", "У нас то же самое.", "+1, тоже жду ответа"]),
                from_id=uid,
                reply_to=rng.choice(roots).id,
            )
        else:
            attachments = []
            if rng.random() < 0.15:
                attachments = [
                    {
                        "type": "photo",
                        "photo": {
                            "id": rng.randint(1, 10**6),
                            "owner_id": uid,
                            "sizes": [
                                {"type": "x", "url": f"{fake.root_url}/photos/demo.jpg", "width": 604, "height": 453}
                            ],
                        },
                    }
                ]
            fake.add_comment(post.id, rng.choice(COMMENTS), from_id=uid, attachments=attachments)
