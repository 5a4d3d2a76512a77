"""~30 realistic demo cases in every state of the regulation, made through the actions.

Run after ``seed_demo``. Idempotent: a message already stored (network + source key) is
skipped, so a second run changes nothing. Some cases are played "in the past" (the
clock is moved back while their actions run) so the inbox shows warnings and overdue
deadlines as it would on a real morning.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from otklik.cases import actions as a
from otklik.cases.models import Post
from otklik.connectors.base import Attachment, IncomingMessage
from otklik.directory.models import Municipality, OfficialAccount, Organization, Topic
from otklik.web.models import AnswerTemplate

# (key, network, author, text, target state, organizations (first = lead), minutes ago, topic)
DEMO: list[tuple[str, str, str, str, str, list[str], int, str]] = [
    (
        "01",
        "vk",
        "Ирина Смирнова",
        "На улице Калинина возле дома 45 огромная яма, вчера машина пробила колесо. Когда засыплют?",
        "new",
        [],
        20,
        "Дороги",
    ),
    (
        "02",
        "vk",
        "Алексей Кравченко",
        "Третий день нет горячей воды на Октябрьской, 82. Управляющая компания трубку не берёт.",
        "new",
        [],
        95,
        "ЖКХ",
    ),
    (
        "03",
        "ok",
        "Галина Петровна",
        "Почему не горят фонари на улице Ленина от рынка до парка? Вечером страшно идти.",
        "new",
        [],
        40,
        "Освещение улиц",
    ),
    (
        "04",
        "telegram",
        "Дмитрий",
        "Автобус №3 утром опять не пришёл, ждали 40 минут на остановке Мира.",
        "new",
        [],
        5,
        "Транспорт",
    ),
    (
        "05",
        "vk",
        "Ольга Н.",
        "Во дворе дома 12 по улице Гагарина сломаны качели, дети могут пораниться.",
        "assigned",
        ["МБУ «Благоустройство»"],
        30,
        "Благоустройство",
    ),
    (
        "06",
        "vk",
        "Сергей Волков",
        "Из колодца на Тургенева течёт вода уже неделю, вся дорога в наледи.",
        "assigned",
        ["Водоканал"],
        200,
        "Водоснабжение и водоотведение",
    ),
    (
        "07",
        "ok",
        "Марина Ковальчук",
        "Когда отремонтируют крышу в доме 7 по Строителей? Топит последний этаж.",
        "assigned",
        ["Управление ЖКХ"],
        70,
        "Капитальный ремонт",
    ),
    (
        "08",
        "vk",
        "Виктор Лебедев",
        "На перекрёстке Ленина и Октябрьской не работает светофор, а рядом школа. Срочно!",
        "assigned_co",
        ["Управление дорог", "МКУ «ЕДДС»"],
        45,
        "Дороги",
    ),
    (
        "09",
        "vk",
        "Анна Белова",
        "В детском саду «Солнышко» уже месяц не работает отопление в младшей группе.",
        "coinfo",
        ["Управление образования", "Управление ЖКХ"],
        60,
        "Образование",
    ),
    (
        "10",
        "telegram",
        "Николай",
        "Возле остановки на Минеральной свалка мусора, контейнеры не вывозят две недели.",
        "review",
        ["МБУ «Благоустройство»"],
        15,
        "ТКО и экология",
    ),
    (
        "11",
        "vk",
        "Елена Морозова",
        "Подскажите, куда обращаться за выплатой многодетным? В соцзащите очередь.",
        "review",
        ["УТСЗН"],
        50,
        "Социальная защита",
    ),
    (
        "12",
        "ok",
        "Тамара Ивановна",
        "На улице Пушкина прорвало трубу, вода хлещет на дорогу!",
        "review",
        ["Водоканал"],
        10,
        "Водоснабжение и водоотведение",
    ),
    (
        "13",
        "vk",
        "Павел Сидоров",
        "Тротуар на улице Чугурина весь в ямах, с коляской не пройти.",
        "revision",
        ["Управление дорог"],
        25,
        "Дороги",
    ),
    (
        "14",
        "vk",
        "Людмила Федорова",
        "Бродячие собаки у школы №1 пугают детей, стая из 6-7 собак.",
        "revision",
        ["МБУ «Благоустройство»"],
        120,
        "Бродячие животные",
    ),
    (
        "15",
        "telegram",
        "Артём",
        "Когда продлят маршрут 12 до нового микрорайона? Люди ходят пешком 2 км.",
        "approved",
        ["МУП «Автотранс»"],
        20,
        "Транспорт",
    ),
    (
        "16",
        "vk",
        "Светлана Кузнецова",
        "В парке Победы упало дерево на дорожку, пройти невозможно.",
        "approved",
        ["МБУ «Благоустройство»"],
        35,
        "Озеленение",
    ),
    (
        "17",
        "vk",
        "Игорь Соколов",
        "Дорога в станицу Незлобной вся разбита после зимы, когда будет ремонт?",
        "intermediate",
        ["Управление дорог"],
        300,
        "Дороги",
    ),
    (
        "18",
        "vk",
        "Наталья Попова",
        "Спасибо, но на Калинина так и не убрали снег с тротуаров!",
        "answered",
        ["Управление дорог"],
        600,
        "Уборка снега и наледи",
    ),
    (
        "19",
        "ok",
        "Валентина Семёновна",
        "Когда начнут подавать отопление в дома на Лермонтова?",
        "answered",
        ["Управление ЖКХ"],
        900,
        "Отопление",
    ),
    (
        "20",
        "telegram",
        "Максим",
        "Запишите, пожалуйста, сына в секцию плавания — где узнать расписание?",
        "answered",
        ["Управление образования"],
        1200,
        "Культура и спорт",
    ),
    (
        "21",
        "vk",
        "Фотограф Георгиевска",
        "Какой красивый закат сегодня над Георгиевском! Всем хорошего вечера.",
        "dismissed",
        [],
        60,
        "",
    ),
    ("22", "vk", "Аноним", "Вы там все в администрации бездельники и воры, сволочи!", "excluded", [], 80, ""),
    ("23", "vk", "Ирина Смирнова", "Яму на Калинина 45 так и не засыпали, повторно пишу!", "repeat", [], 10, "Дороги"),
    (
        "24",
        "vk",
        "Родительский комитет",
        "В школе №1 нет воды вторые сутки, детей отпускают домой. Сотни семей без занятий!",
        "significant",
        [],
        30,
        "Образование",
    ),
    ("25", "vk", "Евгений", "Кто-нибудь знает, работает ли сегодня МФЦ на Ленина?", "feed", [], 3, ""),
    (
        "26",
        "ok",
        "Зинаида Павловна",
        "На Комсомольской опять отключили свет, без предупреждения, холодильник потёк.",
        "feed",
        [],
        8,
        "",
    ),
    ("27", "telegram", "Кирилл", "Поздравляю всех с праздником! Город красивый 🎉", "feed", [], 12, ""),
    ("28", "vk", "Ольга Н.", "А когда уберут листву во дворе на Гагарина 12? Лежит с октября.", "feed", [], 15, ""),
    ("29", "vk", "Степан", "Продам гараж в районе автовокзала, недорого.", "feed", [], 25, ""),
    ("30", "vk", "Марина Ковальчук", "Подъезд дома 7 по Строителей не убирается, грязь и запах.", "feed", [], 40, ""),
]

TEMPLATES: list[tuple[str, str, str]] = [
    (
        "Яма на дороге: включили в план",
        "Дороги",
        "Здравствуйте! Спасибо, что сообщили. Яму по адресу … осмотрели и включили в план ямочного ремонта: "
        "работы пройдут до … . Если до этого срока ничего не изменится, напишите нам здесь.",
    ),
    (
        "Отключение воды: причина и срок",
        "Водоснабжение и водоотведение",
        "Здравствуйте! На участке … идёт аварийный ремонт водопровода. Воду дадут ориентировочно к … . "
        "Пока работает подвоз воды: … . Приносим извинения за неудобства.",
    ),
    (
        "Передали в управляющую компанию",
        "ЖКХ",
        "Здравствуйте! Ваше сообщение передали в управляющую компанию «…», её сотрудники придут … . "
        "Мы проконтролируем выполнение и сообщим здесь о результате.",
    ),
    (
        "Промежуточный ответ: нужна проверка",
        "",
        "Здравствуйте! Спасибо за обращение. Чтобы ответить по существу, специалисты выезжают на место — "
        "это займёт несколько дней. Мы обязательно вернёмся с ответом в этой ветке.",
    ),
]

INTERMEDIATE = (
    "Здравствуйте! Дорогу осмотрели специалисты, сейчас готовим смету ремонта. Вернёмся с ответом в течение недели."
)


HOSTS = {"vk": "https://vk.com", "ok": "https://ok.ru", "telegram": "https://t.me"}


@contextmanager
def clock_at(t: dt.datetime):  # type: ignore[no-untyped-def]
    """Run actions as if it were ``t`` (the actions read ``django.utils.timezone.now``)."""
    with mock.patch("django.utils.timezone.now", return_value=t):
        yield


class Command(BaseCommand):
    help = "Создаёт ~30 демонстрационных обращений во всех состояниях регламента (после seed_demo). Повторный запуск ничего не меняет."

    def handle(self, *args: Any, **options: Any) -> None:
        muni = Municipality.objects.filter(slug="georgievsk").first()
        if muni is None:
            raise CommandError("Сначала выполните seed_demo.")
        users = {u.username: u for u in User.objects.filter(username__in=self._usernames())}
        if "specialist" not in users:
            raise CommandError("Нет демо-пользователя specialist: выполните seed_demo.")
        orgs = {o.short_name: o for o in Organization.objects.filter(municipality=muni)}
        topics = {t.name: t for t in Topic.objects.filter(municipality=muni)}
        self._templates(muni, topics, users["specialist"])
        created = 0
        real_now = timezone.now()
        for key, network, author, text, target, org_names, minutes_ago, topic in DEMO:
            source_key = f"demo-{key}"
            if Post.objects.filter(network=network, source_key=source_key).exists():
                continue
            start = real_now - dt.timedelta(minutes=minutes_ago)
            with transaction.atomic():  # a case is either fully played or not at all (idempotent reruns)
                with clock_at(start):
                    case = self._register(muni, network, source_key, author, text, start, key)
                self._advance(case, target, [orgs[n] for n in org_names], topics.get(topic), users, start, muni)
            created += 1
        self.stdout.write(self.style.SUCCESS(f"Демо-обращения: создано {created}, всего в наборе {len(DEMO)}."))

    def _usernames(self) -> list[str]:
        return ["specialist", "zhkh", "roads", "water", "blago", "edu", "social", "transport", "coordinator"]

    def _templates(self, muni: Municipality, topics: dict[str, Topic], author: User) -> None:
        for title, topic, text in TEMPLATES:
            AnswerTemplate.objects.get_or_create(
                municipality=muni,
                title=title,
                defaults={"text": text, "topic": topics.get(topic), "created_by": author},
            )

    def _register(
        self, muni: Municipality, network: str, source_key: str, author: str, text: str, at: dt.datetime, key: str
    ) -> Any:
        account = OfficialAccount.objects.filter(organization__municipality=muni, network=network).first()
        host = HOSTS[network]
        attachments = []
        if key in ("01", "06", "16"):
            attachments = [Attachment("photo", f"https://picsum.photos/seed/otklik{key}/640/480", "фото.jpg")]
        incoming = IncomingMessage(
            network=network,
            source_key=source_key,
            text=text,
            published_at=at,
            url=f"{host}/demo_post_{key}",
            author_id=f"demo-author-{abs(hash(author)) % 100000}",
            author_name=author,
            author_url=f"{host}/id{key}",
            attachments=attachments,
            account=account,
        )
        return a.do_register_post(muni, incoming)

    def _advance(
        self,
        case: Any,
        target: str,
        orgs: list[Organization],
        topic: Topic | None,
        users: dict[str, User],
        start: dt.datetime,
        muni: Municipality,
    ) -> None:
        spec = users["specialist"]
        step = dt.timedelta(minutes=2)
        t = start
        executor = self._executor_of(orgs[0], users) if orgs else None

        def at() -> Any:
            nonlocal t
            t = min(t + step, timezone.now())
            return clock_at(t)

        if target == "feed":
            return
        if target == "dismissed":
            with at():
                a.do_dismiss_case(case, reason="Не требует реакции органов власти", acting_user=spec)
            return
        if target == "excluded":
            with at():
                a.do_exclude_case(
                    case, reason_code="insult", comment="Оскорбления в адрес сотрудников", acting_user=spec
                )
            return
        with at():
            case = a.do_detect_case(case, acting_user=spec)
        if topic is not None:
            with at():
                case = a.do_set_topic(case, topic, acting_user=spec)
        if target == "repeat":
            from otklik.cases.models import Post as P

            earlier = P.objects.filter(source_key="demo-01").select_related("case").first()
            if earlier is not None and earlier.case is not None:
                with at():
                    a.do_mark_repeat(case, earlier_case=earlier.case, acting_user=spec)
            return
        if target == "significant":
            with at():
                a.do_flag_significant(case, reason="Массовая проблема: школа без воды", acting_user=spec)
            return
        if target == "new":
            return
        lead = orgs[0] if len(orgs) > 1 else None
        with at():
            case = a.do_route_case(case, orgs, lead=lead, acting_user=spec)
        if target in ("assigned", "assigned_co"):
            return
        if target == "coinfo":
            co = case.assignments.get(organization=orgs[1], is_active=True)
            with at():
                a.do_submit_coexecutor_info(
                    co,
                    text="Котельная детского сада проверена, неисправен циркуляционный насос; замена — до пятницы.",
                    acting_user=self._executor_of(orgs[1], users),
                )
            return
        draft_text = {
            "revision": "Ваше обращение рассмотрено.",
            "intermediate": INTERMEDIATE,
        }.get(target, "Здравствуйте! Проблему проверили, работы выполним в течение двух дней. Спасибо, что сообщили!")
        kind = "intermediate" if target == "intermediate" else "final"
        with at():
            case = a.do_submit_draft(case, text=draft_text, kind=kind, acting_user=executor)
        if target == "review":
            return
        draft = case.drafts.order_by("-version").first()
        if target == "revision":
            with at():
                a.do_return_draft(
                    draft,
                    remarks="Ответ слишком общий: укажите, что именно и когда сделаете, без канцелярита (п. 20).",
                    acting_user=spec,
                )
            return
        with at():
            case = a.do_approve_draft(draft, acting_user=spec)
        if target == "approved":
            return
        with at():
            case = a.do_publish_answer(
                case,
                external_url=f"{HOSTS[case.primary_post.network]}/demo_answer_{case.pk}",
                acting_user=executor or spec,
            )

    def _executor_of(self, org: Organization, users: dict[str, User]) -> User:
        by_org = {
            "Управление ЖКХ": "zhkh",
            "Управление дорог": "roads",
            "Водоканал": "water",
            "МБУ «Благоустройство»": "blago",
            "Управление образования": "edu",
            "УТСЗН": "social",
            "МУП «Автотранс»": "transport",
        }
        return users.get(by_org.get(org.short_name, ""), users["specialist"])
