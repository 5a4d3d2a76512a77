"""MAX through Django: collect -> feed -> case -> answer -> published; the webhook; the public registry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.collect import collect_account
from otklik.connectors.max.fake import FakeMax
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.tests.test_max import TOKEN, connector

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    server = FakeMax().start()
    server.add_token(TOKEN)
    server.add_user(501, "Иван", "Петров", username="ivan_petrov")
    yield server
    server.stop()


@pytest.fixture
def max_account(cast, fake):
    account = cast.vk_account
    account.network, account.name = "max", "Администрация в MAX"
    account.url, account.external_id = "https://max.ru/adm_channel", str(fake.channel["chat_id"])
    account.set_credentials({"bot_token": TOKEN, "mode": "webhook", "webhook_secret": "hook-secret-1"})
    account.save()
    return account


@pytest.mark.django_db(transaction=True)
def test_collect_feed_case_answer_published(cast, fake, max_account, monkeypatch):
    fake.user_writes(501, "Прошу отремонтировать лавочку у дома 7")
    assert collect_account(max_account, connector=connector(fake)).new == 1
    assert collect_account(max_account, connector=connector(fake)).new == 0
    stored = Post.objects.get()
    assert stored.case.status == "feed" and stored.author_name == "Иван Петров"
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])
    monkeypatch.setattr("otklik.connectors.publish.build_connector", lambda account: connector(fake))
    case = actions.do_detect_case(stored.case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="Отремонтируем до пятницы.", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    case = actions.do_publish_answer(case, account=max_account, acting_user=cast.specialist)
    case.refresh_from_db()
    assert case.status == "answered" and case.publications.get().status == "published"
    [sent] = fake.published
    assert sent["body"]["text"] == "Отремонтируем до пятницы." and sent["link"]["type"] == "reply"


def test_the_webhook_checks_the_secret_and_stores_once(client, fake, max_account):
    written = fake.user_writes(501, "Через webhook")
    update = fake.updates[-1][1]
    url = reverse("connectors:max_webhook", args=[max_account.pk])
    assert client.post(url, update, content_type="application/json").status_code == 403
    wrong = {"HTTP_X_MAX_BOT_API_SECRET": "other-secret"}
    assert client.post(url, update, content_type="application/json", **wrong).status_code == 403
    right = {"HTTP_X_MAX_BOT_API_SECRET": "hook-secret-1"}
    for _ in range(2):  # MAX retries until it gets 200
        assert client.post(url, update, content_type="application/json", **right).content == b"ok"
    stored = Post.objects.get()
    assert stored.source_key == f"{fake.dialog_id(501)}/{written['body']['mid']}" and stored.network == "max"


@pytest.mark.django_db(transaction=True)
def test_max_pushes_to_the_webhook_over_real_http(live_server, fake, max_account):
    url = live_server.url + reverse("connectors:max_webhook", args=[max_account.pk])
    connector(fake).subscribe(url, "hook-secret-1")
    fake.user_writes(501, "Живой webhook")
    assert fake.send_webhook(url, fake.updates[-1][1]) == 200
    assert fake.send_webhook(url, fake.updates[-1][1], secret="guess") == 403
    assert list(Post.objects.values_list("text", flat=True)) == ["Живой webhook"]


def test_the_public_registry_lists_max_accounts(client, max_account):
    page = client.get(reverse("public_accounts")).content.decode()
    assert "MAX" in page and "https://max.ru/adm_channel" in page
    data = client.get(reverse("public_accounts_json")).json()
    networks = [a["network"] for org in data["organizations"] for a in org["accounts"]]
    assert "max" in networks
