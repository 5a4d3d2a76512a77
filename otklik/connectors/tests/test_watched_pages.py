"""Watched communities: added by link on the page, collected into the feed, answered (or the manual path)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.collect import collect_watched
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.tests.helpers import FAST
from otklik.connectors.vk.watched import VkWatchedConnector

pytestmark = pytest.mark.django_db
WATCHED = 2002


@pytest.fixture
def community(fake_vk):
    fake_vk.add_group(WATCHED, "Подслушано в Георгиевске", screen_name="podslushano_geo", members_count=48210)
    fake_vk.add_group(3003, "Соседи (закрытая)", screen_name="closed_club", is_closed=1)
    return fake_vk.groups[WATCHED]


def add(client, account, link):  # type: ignore[no-untyped-def]
    data = {"link": link, "account": account.pk, "municipality": account.organization.municipality_id}
    return client.post(reverse("connectors:watched"), data)


def test_it_adds_an_open_community_with_its_name_and_members(client, cast, vk_account, community):
    client.force_login(cast.specialist)
    response = add(client, vk_account, "https://vk.com/podslushano_geo")
    assert response.status_code == 302
    watched = WatchedCommunity.objects.get()
    assert (watched.external_id, watched.name, watched.members_count) == ("2002", "Подслушано в Георгиевске", 48210)
    page = client.get(reverse("connectors:watched")).content.decode()
    assert "Подслушано в Георгиевске" in page and "48210" in page and "открыто" in page
    assert "Подслушано в Георгиевске" in client.get(reverse("connectors:sources")).content.decode()
    again = add(client, vk_account, "vk.com/club2002").content.decode()
    assert "уже под наблюдением" in again and WatchedCommunity.objects.count() == 1


def test_a_closed_community_is_refused_with_the_reason(client, cast, vk_account, community):
    client.force_login(cast.specialist)
    page = add(client, vk_account, "https://vk.com/closed_club").content.decode()
    assert "закрытое" in page and "только открытое сообщество" in page
    assert "не найдено" in add(client, vk_account, "https://vk.com/no_such_group").content.decode()
    assert WatchedCommunity.objects.count() == 0


def test_only_specialists_and_coordinators_add(client, cast, vk_account, community):
    client.force_login(cast.roads)
    assert add(client, vk_account, "https://vk.com/podslushano_geo").status_code == 403
    client.force_login(cast.head)
    assert client.get(reverse("connectors:watched")).status_code == 200
    assert add(client, vk_account, "https://vk.com/podslushano_geo").status_code == 403
    assert WatchedCommunity.objects.count() == 0


def watch(cast, vk_account):  # type: ignore[no-untyped-def]
    return WatchedCommunity.objects.create(
        municipality=vk_account.organization.municipality, account=vk_account, link="https://vk.com/podslushano_geo",
        external_id=str(WATCHED), screen_name="podslushano_geo", name="Подслушано в Георгиевске",
    )  # fmt: skip


def connector_for(fake, watched):  # type: ignore[no-untyped-def]
    from otklik.connectors.collect import account_ref

    c = VkWatchedConnector(account_ref(watched.account), group_id=WATCHED, base_url=fake.base_url, policy=FAST,
                           sleep=lambda s: None)  # fmt: skip
    c.rates = {"user": 0, "service": 0, "group": 0}
    return c


@pytest.mark.django_db(transaction=True)
def test_collect_feed_case_answer_published_or_the_reason_to_place_it_by_hand(
    client, cast, vk_account, fake_vk, community, monkeypatch
):
    watched = watch(cast, vk_account)
    post = fake_vk.add_post("Анонимно: на Калинина не горят фонари", owner_id=-WATCHED)
    fake_vk.add_comment(post.id, "На Гагарина тоже", from_id=501)
    assert collect_watched(watched, connector=connector_for(fake_vk, watched)).new == 2
    assert collect_watched(watched, connector=connector_for(fake_vk, watched)).new == 0
    stored = Post.objects.get(text="На Гагарина тоже")
    assert stored.account == vk_account and stored.case.status == "feed"
    assert stored.url == f"https://vk.com/wall-{WATCHED}_{post.id}?reply={post.id + 1}"
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])

    def answer(text):  # type: ignore[no-untyped-def]
        case = actions.do_detect_case(Post.objects.get(text=text).case, acting_user=cast.specialist)
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        case = actions.do_submit_draft(case, text="Бригада выедет сегодня.", acting_user=cast.roads)
        case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
        case = actions.do_publish_answer(case, account=vk_account, acting_user=cast.specialist)
        case.refresh_from_db()
        return case

    case = answer("На Гагарина тоже")
    assert case.status == "answered" and case.publications.get().status == "published"
    [created] = fake_vk.published
    assert created.from_id == -fake_vk.group_id and created.post_id == post.id

    community["groups_can_comment"] = False
    refused = answer("Анонимно: на Калинина не горят фонари")
    publication = refused.publications.get()
    assert publication.status == "failed" and "Разместите ответ вручную" in publication.error
    client.force_login(cast.specialist)
    assert "комментарии от имени сообществ там запрещены" in client.get(refused.get_absolute_url()).content.decode()


def test_metrics_label_a_watched_community(client, cast, vk_account):
    from otklik.connectors.collect import ensure_watched_state

    ensure_watched_state(watch(cast, vk_account))
    body = client.get("/metrics").content.decode()
    assert 'otklik_collection_success_age_seconds{account="watched-' in body and 'network="vk"' in body
