"""The sources pages as a person sees them, on a phone (375 px) and a desktop: nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from otklik.connectors.collect import ensure_state, ensure_watched_state
from otklik.connectors.models import CollectionState, WatchedCommunity
from otklik.directory.models import OfficialAccount
from otklik.web.tests.browser_helpers import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sources(live_server):  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    account = OfficialAccount.objects.get(network="vk", external_id="-200001")
    watched = WatchedCommunity.objects.create(
        municipality=account.organization.municipality, account=account, external_id="290001",
        link="https://vk.com/podslushano_georgievsk_demo", screen_name="podslushano_georgievsk_demo",
        name="Подслушано в Георгиевске — самое длинное название сообщества, какое бывает в жизни", members_count=48210,
    )  # fmt: skip
    long_error = "ВКонтакте, wall.getComments: ключ доступа недействителен или отозван — обновите его " * 3
    for state in (ensure_state(account), ensure_watched_state(watched)):
        CollectionState.objects.filter(pk=state.pk).update(last_error=long_error, collected_today=12)
    return live_server


@pytest.mark.parametrize("width", [375, 1440])
@pytest.mark.parametrize("path", ["/sources/", "/sources/watched/"])
def test_the_sources_pages_fit_the_screen(sources, browser, width, path):
    people = People(browser, sources.url, viewport={"width": width, "height": 900})
    try:
        page = people.open("specialist", path)
        assert "Подслушано в Георгиевске" in page.content()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} at {width}px scrolls sideways by {overflow}px"
        assert [p for p in people.problems if "HTTP" in p] == []
    finally:
        people.close()
