from django.contrib.auth.models import User
from django.core.management import call_command

from otklik.directory.models import Membership, Municipality, OfficialAccount, Organization, Role, Topic


def _counts():
    return [m.objects.count() for m in (Municipality, Organization, Membership, OfficialAccount, Topic, User)]


def test_seed_demo_builds_a_realistic_municipality(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    muni = Municipality.objects.get(slug="georgievsk")
    orgs = Organization.objects.filter(municipality=muni)
    assert orgs.filter(kind__in=["subdivision", "territorial"]).count() >= 10
    assert orgs.filter(kind="municipal_org").count() >= 5
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert set(OfficialAccount.objects.values_list("network", flat=True)) >= {"vk", "ok", "telegram"}
    assert User.objects.get(username="specialist").check_password("otklik-demo")


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    before = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert _counts() == before
