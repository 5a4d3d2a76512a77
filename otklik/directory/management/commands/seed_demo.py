"""A realistic demo municipality modelled on Георгиевский городской округ. Idempotent."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction

from otklik.directory.defaults import seed_topics
from otklik.directory.models import Membership, Municipality, OfficialAccount, Organization, Role, Topic

DEMO_PASSWORD = "otklik-demo"  # noqa: S105 - demo-only, printed and listed in the README as such

ADMINISTRATION = ("Администрация Георгиевского городского округа Ставропольского края", "Администрация")

# (short name, full name, kind, parent short name or None = administration, keywords, topics)
ORGANIZATIONS: list[tuple[str, str, str, str | None, str, list[str]]] = [
    (
        "Управление ЖКХ",
        "Управление жилищно-коммунального хозяйства администрации Георгиевского городского округа",
        "subdivision",
        None,
        "отопление, подъезд, управляющая компания, капремонт, крыша, лифт, мусоропровод",
        ["ЖКХ", "Отопление", "Капитальный ремонт", "Газоснабжение", "Электроснабжение"],
    ),
    (
        "Управление образования",
        "Управление образования и молодёжной политики администрации Георгиевского городского округа",
        "subdivision",
        None,
        "школа, детский сад, учитель, кружок, садик, очередь в сад",
        ["Образование"],
    ),
    (
        "Управление культуры",
        "Управление культуры и туризма администрации Георгиевского городского округа",
        "subdivision",
        None,
        "дом культуры, библиотека, концерт, музей, праздник",
        ["Культура и спорт"],
    ),
    (
        "УТСЗН",
        "Управление труда и социальной защиты населения администрации Георгиевского городского округа",
        "subdivision",
        None,
        "пособие, выплата, многодетные, пенсионер, инвалид, соцзащита",
        ["Социальная защита"],
    ),
    (
        "Управление архитектуры",
        "Управление архитектуры и градостроительства администрации Георгиевского городского округа",
        "subdivision",
        None,
        "строительство, разрешение, самострой, застройка, градостроительный",
        ["Строительство и архитектура"],
    ),
    (
        "Управление экономики",
        "Управление экономического развития и торговли администрации Георгиевского городского округа",
        "subdivision",
        None,
        "торговля, ярмарка, магазин, киоск, цены, предприниматель",
        ["Торговля и услуги"],
    ),
    (
        "Управление дорог",
        "Управление дорожного хозяйства и транспорта администрации Георгиевского городского округа",
        "subdivision",
        None,
        "дорога, яма, асфальт, ямочный ремонт, светофор, тротуар, маршрутка, автобус",
        ["Дороги", "Уборка снега и наледи", "Транспорт"],
    ),
    (
        "Управление по делам ГО и ЧС",
        "Управление по делам территории, гражданской обороны и чрезвычайных ситуаций",
        "subdivision",
        None,
        "пожар, паводок, подтопление, ЧС, эвакуация",
        ["Безопасность"],
    ),
    (
        "Отдел физкультуры и спорта",
        "Отдел физической культуры и спорта администрации Георгиевского городского округа",
        "subdivision",
        None,
        "стадион, спортзал, секция, спортплощадка, соревнования",
        ["Культура и спорт"],
    ),
    (
        "Отдел имущественных отношений",
        "Управление имущественных и земельных отношений администрации Георгиевского городского округа",
        "subdivision",
        None,
        "земельный участок, аренда, имущество, кадастр",
        [],
    ),
    (
        "ТУ ст. Незлобной",
        "Незлобненское территориальное управление администрации Георгиевского городского округа",
        "territorial",
        None,
        "Незлобная, станица Незлобная",
        [],
    ),
    (
        "ТУ ст. Лысогорской",
        "Лысогорское территориальное управление администрации Георгиевского городского округа",
        "territorial",
        None,
        "Лысогорская, станица Лысогорская",
        [],
    ),
    (
        "ТУ пос. Шаумянского",
        "Шаумянское территориальное управление администрации Георгиевского городского округа",
        "territorial",
        None,
        "Шаумянский, поселок Шаумянский",
        [],
    ),
    (
        "Водоканал",
        "Георгиевский филиал ГУП СК «Ставрополькрайводоканал»",
        "municipal_org",
        "Управление ЖКХ",
        "вода, водопровод, канализация, напор, прорыв трубы, колонка",
        ["Водоснабжение и водоотведение"],
    ),
    (
        "МБУ «Благоустройство»",
        "МБУ «Управление городского хозяйства и благоустройства»",
        "municipal_org",
        "Управление ЖКХ",
        "благоустройство, двор, детская площадка, покос, дерево, освещение, фонарь",
        ["Благоустройство", "Освещение улиц", "Озеленение", "ТКО и экология", "Бродячие животные"],
    ),
    (
        "МУП «Автотранс»",
        "МУП «Георгиевское пассажирское автотранспортное предприятие»",
        "municipal_org",
        "Управление дорог",
        "автобус, маршрут, расписание, остановка, проезд",
        ["Транспорт"],
    ),
    (
        "МБОУ СОШ № 1",
        "МБОУ «Средняя общеобразовательная школа № 1 г. Георгиевска»",
        "municipal_org",
        "Управление образования",
        "школа № 1, первая школа",
        [],
    ),
    (
        "МБДОУ «Солнышко»",
        "МБДОУ «Детский сад № 5 «Солнышко» г. Георгиевска»",
        "municipal_org",
        "Управление образования",
        "детский сад Солнышко, садик Солнышко",
        [],
    ),
    (
        "МКУ «ЕДДС»",
        "МКУ «Единая дежурно-диспетчерская служба Георгиевского городского округа»",
        "municipal_org",
        "Управление по делам ГО и ЧС",
        "авария, дежурная служба, ЕДДС",
        ["Безопасность"],
    ),
]

# (username, first, last, role, organization short name or None)
USERS: list[tuple[str, str, str, str, str | None]] = [
    ("coordinator", "Юлия", "Логинова", Role.COORDINATOR, "Администрация"),
    ("specialist", "Элла", "Карицкая", Role.SPECIALIST, "Администрация"),
    ("specialist2", "Дмитрий", "Сергеев", Role.SPECIALIST, "Администрация"),
    ("head", "Андрей", "Зайцев", Role.HEAD, "Администрация"),
    ("observer", "Ольга", "Наблюдаева", Role.OBSERVER, None),
    ("zhkh", "Марина", "Коваленко", Role.EXECUTOR, "Управление ЖКХ"),
    ("zhkh_chief", "Игорь", "Петренко", Role.ORG_RESPONSIBLE, "Управление ЖКХ"),
    ("roads", "Роман", "Дорохов", Role.EXECUTOR, "Управление дорог"),
    ("water", "Вадим", "Водянов", Role.EXECUTOR, "Водоканал"),
    ("blago", "Анна", "Зеленская", Role.EXECUTOR, "МБУ «Благоустройство»"),
    ("edu", "Татьяна", "Учителева", Role.EXECUTOR, "Управление образования"),
    ("social", "Наталья", "Заботина", Role.EXECUTOR, "УТСЗН"),
    ("transport", "Павел", "Рулёв", Role.EXECUTOR, "МУП «Автотранс»"),
]

# (organization short name, network, name, url, external id)
ACCOUNTS: list[tuple[str, str, str, str, str]] = [
    ("Администрация", "vk", "Администрация Георгиевского округа", "https://vk.com/georgievsk_adm_demo", "-200001"),
    (
        "Администрация",
        "ok",
        "Администрация Георгиевского округа",
        "https://ok.ru/group/70000000000001",
        "70000000000001",
    ),
    ("Администрация", "telegram", "Георгиевск официальный", "https://t.me/georgievsk_adm_demo", "-1001000000001"),
    (
        "Администрация",
        "max",
        "Администрация Георгиевского округа в MAX",
        "https://max.ru/georgievsk_adm_demo",
        "-70000000000001",
    ),  # fmt: skip
    ("Управление ЖКХ", "vk", "ЖКХ Георгиевского округа", "https://vk.com/georgievsk_zhkh_demo", "-200002"),
    (
        "Управление образования",
        "vk",
        "Образование Георгиевского округа",
        "https://vk.com/georgievsk_edu_demo",
        "-200003",
    ),
    ("Водоканал", "vk", "Водоканал Георгиевск", "https://vk.com/georgievsk_water_demo", "-200004"),
    ("Управление культуры", "ok", "Культура Георгиевска", "https://ok.ru/group/70000000000002", "70000000000002"),
    ("МУП «Автотранс»", "telegram", "Автобусы Георгиевска", "https://t.me/georgievsk_bus_demo", "-1001000000002"),
]


class Command(BaseCommand):
    help = "Создаёт демонстрационный муниципалитет (Георгиевский городской округ). Повторный запуск ничего не меняет."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        muni, _ = Municipality.objects.get_or_create(
            slug="georgievsk",
            defaults={"name": "Георгиевский городской округ", "timezone": "Europe/Moscow"},
        )
        seed_topics(muni)
        topics = {t.name: t for t in Topic.objects.filter(municipality=muni)}
        admin, _ = Organization.objects.get_or_create(
            municipality=muni,
            short_name=ADMINISTRATION[1],
            defaults={"name": ADMINISTRATION[0], "kind": Organization.Kind.ADMINISTRATION},
        )
        orgs = {admin.short_name: admin}
        for short, full, kind, parent, keywords, topic_names in ORGANIZATIONS:
            org, created = Organization.objects.get_or_create(
                municipality=muni,
                short_name=short,
                defaults={
                    "name": full,
                    "kind": kind,
                    "parent": orgs.get(parent or "Администрация", admin),
                    "competence_keywords": keywords,
                },
            )
            if created:
                org.competence_topics.set([topics[n] for n in topic_names if n in topics])
            orgs[short] = org
        for username, first, last, role, org_name in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@georgievsk.example"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            member_org: Organization | None = orgs.get(org_name) if org_name else None
            Membership.objects.get_or_create(
                user=user, role=role, organization=member_org, municipality=muni if member_org else None
            )
        superuser, created = User.objects.get_or_create(
            username="admin",
            defaults={"first_name": "Администратор", "last_name": "Системы", "is_staff": True, "is_superuser": True},
        )
        if created:
            superuser.set_password(DEMO_PASSWORD)
            superuser.save(update_fields=["password"])
        for org_name, network, name, url, external_id in ACCOUNTS:
            OfficialAccount.objects.get_or_create(
                network=network,
                url=url,
                defaults={"organization": orgs[org_name], "name": name, "external_id": external_id},
            )
        self.stdout.write(self.style.SUCCESS(f"Демо-данные готовы: {muni.name} ({muni.slug})."))
        self.stdout.write("Пользователи (пароль для всех — otklik-demo, только для демонстрации):")
        for username, _first, _last, role, org_name in USERS:
            self.stdout.write(f"  {username:<12} {Role(role).label}, {org_name or 'все муниципалитеты'}")
        self.stdout.write("  admin        администратор системы (/admin/)")
