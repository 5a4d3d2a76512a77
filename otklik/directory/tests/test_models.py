import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from otklik.directory.models import Membership, Municipality, OfficialAccount, Organization, Role


def test_organization_cannot_be_its_own_ancestor(cast):
    cast.admin_org.parent = cast.water_org  # water → housing → admin → water
    with pytest.raises(ValidationError) as exc:
        cast.admin_org.full_clean()
    assert "подчинена сама себе" in str(exc.value)


def test_organization_cannot_be_its_own_parent(cast):
    cast.roads_org.parent = cast.roads_org
    with pytest.raises(ValidationError):
        cast.roads_org.full_clean()


def test_parent_must_be_in_the_same_municipality(cast):
    cast.roads_org.parent = cast.other_org
    with pytest.raises(ValidationError) as exc:
        cast.roads_org.full_clean()
    assert "того же муниципалитета" in str(exc.value)


def test_descendants_include_children_of_children(cast):
    assert cast.admin_org.descendant_ids() >= {cast.roads_org.pk, cast.housing_org.pk, cast.water_org.pk}
    assert cast.other_org.pk not in cast.admin_org.descendant_ids()


def test_membership_is_unique_per_role_and_organization(cast):
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=cast.roads, role=Role.EXECUTOR, organization=cast.roads_org)


def test_membership_clean_reports_duplicate_in_russian(cast):
    m = Membership(user=cast.roads, role=Role.EXECUTOR, organization=cast.roads_org)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "уже есть такая роль" in str(exc.value)


def test_one_person_can_hold_several_roles(cast):
    Membership.objects.create(user=cast.roads, role=Role.EXECUTOR, organization=cast.housing_org)
    Membership.objects.create(user=cast.roads, role=Role.SPECIALIST, organization=cast.admin_org)
    assert cast.roads.memberships.count() == 3


def test_observer_is_not_attached_to_an_organization(cast):
    m = Membership(user=cast.outsider, role=Role.OBSERVER, organization=cast.roads_org)
    with pytest.raises(ValidationError):
        m.full_clean()


def test_executor_needs_an_organization(cast):
    m = Membership(user=cast.outsider, role=Role.EXECUTOR)
    with pytest.raises(ValidationError):
        m.full_clean()


def test_membership_takes_the_organizations_municipality(cast):
    m = Membership.objects.create(user=cast.outsider, role=Role.EXECUTOR, organization=cast.water_org)
    assert m.municipality == cast.municipality


def test_account_url_must_belong_to_its_network(cast):
    acc = OfficialAccount(organization=cast.roads_org, network="vk", name="Дороги", url="https://ok.ru/group/1")
    with pytest.raises(ValidationError) as exc:
        acc.full_clean()
    assert "vk.com" in str(exc.value)


def test_account_url_of_its_network_is_accepted(cast):
    acc = OfficialAccount(organization=cast.roads_org, network="telegram", name="Дороги", url="https://t.me/roads")
    acc.full_clean()


def test_duplicate_account_is_rejected(cast):
    dup = OfficialAccount(organization=cast.roads_org, network="vk", name="Копия", url=cast.vk_account.url)
    with pytest.raises(ValidationError):
        dup.full_clean()


def test_credentials_are_encrypted_at_rest(cast):
    cast.vk_account.set_credentials({"community_token": "vk1.a.secret-token"})
    cast.vk_account.save()
    stored = OfficialAccount.objects.get(pk=cast.vk_account.pk)
    assert "secret-token" not in stored.credentials_encrypted
    assert stored.get_credentials() == {"community_token": "vk1.a.secret-token"}


def test_unknown_timezone_is_rejected(db):
    m = Municipality(name="Нигде", slug="nowhere", timezone="Europe/Atlantis")
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "часовой пояс" in str(exc.value)


def test_organization_short_name_is_unique_within_municipality(cast):
    with pytest.raises(IntegrityError):
        Organization.objects.create(
            municipality=cast.municipality, kind="subdivision", name="Дубль", short_name="Дороги"
        )
