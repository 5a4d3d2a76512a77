"""The test cast: a small named set of people and organizations, like healthchecks' alice/bob.

specialist  — Светлана, ответственный специалист администрации
coordinator — Константин, заместитель главы
roads       — executor of «Управление дорожного хозяйства» (roads_org)
housing     — executor of «Управление ЖКХ» (housing_org), whose child is «Водоканал» (water_org)
housing_chief — org_responsible of «Управление ЖКХ»: sees and assigns «Водоканал»'s cases too (§7)
water       — executor of «Водоканал»
head        — the Head (read-only)
observer    — the regional centre's observer (all municipalities, read-only)
outsider    — a user with no role
stranger    — executor of an organization of *another* municipality (other_org)
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import TestCase

from otklik.directory.models import Membership, Municipality, OfficialAccount, Organization, Role


def make_cast(obj: object) -> None:
    """Attach the cast to ``obj`` (a TestCase or a pytest namespace)."""
    o = obj  # noqa: F841 - readability below
    muni = Municipality.objects.create(name="Георгиевский городской округ", slug="georgievsk")
    admin_org = Organization.objects.create(
        municipality=muni,
        kind=Organization.Kind.ADMINISTRATION,
        name="Администрация Георгиевского городского округа",
        short_name="Администрация",
    )
    roads_org = Organization.objects.create(
        municipality=muni,
        parent=admin_org,
        kind=Organization.Kind.SUBDIVISION,
        name="Управление дорожного хозяйства",
        short_name="Дороги",
        competence_keywords="дорога, яма, асфальт",
    )
    housing_org = Organization.objects.create(
        municipality=muni,
        parent=admin_org,
        kind=Organization.Kind.SUBDIVISION,
        name="Управление жилищно-коммунального хозяйства",
        short_name="ЖКХ",
        competence_keywords="отопление, подъезд",
    )
    water_org = Organization.objects.create(
        municipality=muni,
        parent=housing_org,
        kind=Organization.Kind.MUNICIPAL_ORG,
        name="МУП «Водоканал»",
        short_name="Водоканал",
        competence_keywords="вода, водопровод, канализация",
    )
    other_muni = Municipality.objects.create(name="Минераловодский округ", slug="minvody")
    other_org = Organization.objects.create(
        municipality=other_muni,
        kind=Organization.Kind.ADMINISTRATION,
        name="Администрация Минераловодского округа",
        short_name="Администрация МВ",
    )

    def person(
        username: str,
        first: str,
        last: str,
        role: str | None,
        org: Organization | None,
        municipality: Municipality | None = None,
    ) -> User:
        user = User.objects.create_user(
            username, f"{username}@example.org", "otklik-test-pass", first_name=first, last_name=last
        )
        if role:
            Membership.objects.create(
                user=user, role=role, organization=org, municipality=municipality or (org.municipality if org else None)
            )
        return user

    obj.municipality = muni  # type: ignore[attr-defined]
    obj.other_municipality = other_muni  # type: ignore[attr-defined]
    obj.admin_org = admin_org  # type: ignore[attr-defined]
    obj.roads_org = roads_org  # type: ignore[attr-defined]
    obj.housing_org = housing_org  # type: ignore[attr-defined]
    obj.water_org = water_org  # type: ignore[attr-defined]
    obj.other_org = other_org  # type: ignore[attr-defined]
    obj.specialist = person("specialist", "Светлана", "Карпова", Role.SPECIALIST, admin_org)  # type: ignore[attr-defined]
    obj.coordinator = person("coordinator", "Константин", "Логинов", Role.COORDINATOR, admin_org)  # type: ignore[attr-defined]
    obj.roads = person("roads", "Роман", "Дорохов", Role.EXECUTOR, roads_org)  # type: ignore[attr-defined]
    obj.housing = person("housing", "Жанна", "Коммунарова", Role.EXECUTOR, housing_org)  # type: ignore[attr-defined]
    obj.housing_chief = person("housing_chief", "Игорь", "Петренко", Role.ORG_RESPONSIBLE, housing_org)  # type: ignore[attr-defined]
    obj.water = person("water", "Вадим", "Водянов", Role.EXECUTOR, water_org)  # type: ignore[attr-defined]
    obj.head = person("head", "Анатолий", "Главов", Role.HEAD, admin_org)  # type: ignore[attr-defined]
    obj.observer = person("observer", "Ольга", "Наблюдаева", Role.OBSERVER, None, None)  # type: ignore[attr-defined]
    obj.outsider = person("outsider", "Иван", "Посторонний", None, None)  # type: ignore[attr-defined]
    obj.stranger = person("stranger", "Сергей", "Чужой", Role.EXECUTOR, other_org)  # type: ignore[attr-defined]
    obj.vk_account = OfficialAccount.objects.create(  # type: ignore[attr-defined]
        organization=admin_org,
        network="vk",
        name="Администрация Георгиевского округа",
        url="https://vk.com/georgievsk_adm",
        external_id="-100001",
    )


class BaseTestCase(TestCase):
    """A TestCase with the cast above created once per class."""

    @classmethod
    def setUpTestData(cls) -> None:
        make_cast(cls)


# --- fixtures added by other areas below this line (keep blocks separated) ---
