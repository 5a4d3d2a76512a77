"""Pages: status per account, manual entry, file import, VK Callback API."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from otklik.cases.models import Case, Post
from otklik.connectors.manual import parse_link
from otklik.connectors.models import CollectionState, ImportJob
from otklik.connectors.tests.helpers import vk_connector

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url,network,key,parent",
    [
        ("https://vk.com/wall-100001_5?reply=77&thread=70", "vk", "wall-100001_5_77", "wall-100001_5"),
        ("https://vk.com/georgievsk?w=wall-100001_5", "vk", "wall-100001_5", ""),
        ("https://ok.ru/group/70000001/topic/155", "ok", "topic70000001_155", ""),
        ("https://t.me/c/1000000002/56", "telegram", "-1001000000002/56", ""),
        ("https://t.me/Adm_Channel/10?comment=56", "telegram", "@adm_channel/10?comment=56", "@adm_channel/10"),
        ("https://example.org/news/1", "other", "url:example.org/news/1", ""),
    ],
)
def test_links_are_parsed_into_networks_and_keys(url, network, key, parent):
    assert parse_link(url) == (network, key, parent) or (
        parse_link(url).network,
        parse_link(url).source_key,
        parse_link(url).parent_key,
    ) == (network, key, parent)


def test_manual_entry_opens_a_detected_case(client, cast):
    client.force_login(cast.specialist)
    response = client.post(
        reverse("connectors:manual"),
        {"municipality": cast.municipality.pk, "url": "https://vk.com/wall-100001_5?reply=77", "text": "Яма на Ленина"},
    )
    post = Post.objects.get()
    assert (post.network, post.source_key, post.text) == ("vk", "wall-100001_5_77", "Яма на Ленина")
    assert post.case.status == "new"
    assert response.status_code == 302


def test_manual_entry_is_for_specialists_only(client, cast):
    client.force_login(cast.roads)
    assert client.get(reverse("connectors:manual")).status_code == 403


CSV = "текст;ссылка;дата;автор\nЯма;https://vk.com/wall-1_2?reply=3;29.11.2026 10:00;Иван\nСвет;https://ok.ru/group/5/topic/6;2026-11-29 11:00;Мария\n"


def upload(client, cast, name, content):
    return client.post(
        reverse("connectors:import"),
        {"municipality": cast.municipality.pk, "file": _file(name, content)},
    )


def _file(name, content):
    f = io.BytesIO(content if isinstance(content, bytes) else content.encode())
    f.name = name
    return f


def test_a_csv_file_is_previewed_then_saved_whole(client, cast):
    client.force_login(cast.specialist)
    response = upload(client, cast, "export.csv", CSV)
    job = ImportJob.objects.get()
    assert response.url == reverse("connectors:import_job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "Предпросмотр" in page and "Яма" in page and Post.objects.count() == 0
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.created_count == 2
    assert sorted(Post.objects.values_list("source_key", flat=True)) == ["topic5_6", "wall-1_2_3"]
    assert set(Case.objects.values_list("status", flat=True)) == {"new"}


def test_row_errors_are_listed_and_nothing_is_saved(client, cast):
    client.force_login(cast.specialist)
    bad = (
        CSV
        + ";https://vk.com/wall-1_9;29.11.2026;Пусто\nТекст;ftp://x;вчера;Кто-то\nЯма;https://vk.com/wall-1_2?reply=3;29.11.2026 10:00;Дубль\n"
    )
    response = upload(client, cast, "bad.csv", bad)
    job = ImportJob.objects.get()
    assert [e["row"] for e in job.errors] == [4, 5, 6]
    page = client.get(response.url).content.decode()
    assert "нет текста" in page and "повторяет строку 2" in page
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    assert Post.objects.count() == 0 and ImportJob.objects.get().state == "preview"


def test_xlsx_and_json_files_are_read(client, cast):
    from openpyxl import Workbook

    client.force_login(cast.specialist)
    book = Workbook()
    sheet = book.active
    sheet.append(["text", "url", "published_at"])
    sheet.append(["Из Excel", "https://vk.com/wall-1_7", "2026-11-29 12:00"])
    data = io.BytesIO()
    book.save(data)
    upload(client, cast, "a.xlsx", data.getvalue())
    upload(
        client,
        cast,
        "b.json",
        json.dumps([{"text": "Из JSON", "id": "R-1", "published_at": "2026-11-29T12:00:00+03:00", "network": "vk"}]),
    )
    for job in ImportJob.objects.all():
        assert job.errors == [] and job.total == 1
        client.post(reverse("connectors:import_confirm", args=[job.pk]))
    assert sorted(Post.objects.values_list("text", flat=True)) == ["Из Excel", "Из JSON"]


def test_a_failure_while_saving_leaves_nothing(client, cast, monkeypatch):
    from otklik.connectors import importing

    client.force_login(cast.specialist)
    upload(client, cast, "export.csv", CSV)
    job = ImportJob.objects.get()
    real = importing.register_messages
    calls = []

    def register_then_fail(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        raise RuntimeError("диск заполнен")

    monkeypatch.setattr(importing, "register_messages", register_then_fail)
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert calls and job.state == "failed" and "Ничего не загружено" in job.message
    assert Post.objects.count() == 0


def test_the_status_page_shows_last_success_error_and_today(client, cast, vk_account, fake_vk):
    from otklik.connectors.collect import collect_account

    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "текст")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    fake_vk.revoke("vk-service-key")
    fake_vk.revoke("vk-admin-token")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    client.force_login(cast.specialist)
    page = client.get(reverse("connectors:account", args=[vk_account.pk])).content.decode()
    assert "Собрано сегодня</dt><dd>1" in page
    assert "ключ доступа недействителен или отозван" in page and "повтор не поможет" in page
    listing = client.get(reverse("connectors:sources")).content.decode()
    assert vk_account.name in listing
    client.force_login(cast.stranger)
    assert client.get(reverse("connectors:account", args=[vk_account.pk])).status_code == 404


def test_the_interval_is_set_per_account(client, cast, vk_account):
    client.force_login(cast.specialist)
    client.post(reverse("connectors:account", args=[vk_account.pk]), {"enabled": "on", "interval_minutes": "15"})
    assert CollectionState.objects.get(account=vk_account).interval_minutes == 15


@pytest.fixture
def callback_account(cast, vk_account, fake_vk):
    creds = vk_account.get_credentials()
    creds.update(confirmation_code=fake_vk.confirmation_code, callback_secret=fake_vk.callback_secret)
    vk_account.set_credentials(creds)
    vk_account.save()
    return vk_account


def test_vk_callback_confirmation_secret_and_replays(client, callback_account, fake_vk):
    url = reverse("connectors:vk_callback", args=[callback_account.pk])
    confirm = client.post(url, {"type": "confirmation", "group_id": fake_vk.group_id}, content_type="application/json")
    assert confirm.content.decode() == fake_vk.confirmation_code

    post = fake_vk.add_post("Пост")
    comment = fake_vk.add_comment(post.id, "Через Callback")
    event = {**fake_vk.events[-1], "secret": "wrong"}
    assert client.post(url, event, content_type="application/json").status_code == 403
    assert Post.objects.count() == 0

    event["secret"] = fake_vk.callback_secret
    for _ in range(3):  # VK retries until it hears "ok"
        assert client.post(url, event, content_type="application/json").content == b"ok"
    stored = Post.objects.get()
    assert stored.source_key == f"wall-{fake_vk.group_id}_{post.id}_{comment.id}"


@pytest.mark.django_db(transaction=True)
def test_vk_sends_callbacks_over_real_http(live_server, callback_account, fake_vk):
    url = live_server.url + reverse("connectors:vk_callback", args=[callback_account.pk])
    assert fake_vk.send_callback(url, fake_vk.confirmation_event()) == fake_vk.confirmation_code
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "Живой callback")
    assert fake_vk.send_callback(url, fake_vk.events[-1], secret="чужой") == "bad secret"
    assert fake_vk.send_callback(url, fake_vk.events[-1]) == "ok"
    assert fake_vk.send_callback(url, fake_vk.events[-1]) == "ok"
    assert list(Post.objects.values_list("text", flat=True)) == ["Живой callback"]


def test_telegram_webhook_checks_the_secret_and_stores_once(client, cast):
    from otklik.connectors.telegram.fake import FakeTelegram

    fake = FakeTelegram()  # not started: only its update shapes are used
    account = cast.vk_account
    account.network, account.url, account.external_id = "telegram", "https://t.me/adm", str(fake.channel["id"])
    account.set_credentials({"bot_token": "1:t", "discussion_chat_id": fake.group["id"], "webhook_secret": "s3"})
    account.save()
    _, forward = fake.post_to_channel("Пост")
    fake.comment(forward, "Через webhook")
    url = reverse("connectors:telegram_webhook", args=[account.pk])
    updates = fake.updates
    assert client.post(url, updates[2], content_type="application/json").status_code == 403
    for update in updates + updates[2:]:
        response = client.post(
            url, update, content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3"}
        )
        assert response.content == b"ok"
    stored = Post.objects.get()
    assert stored.text == "Через webhook" and stored.parent_key == f"{fake.channel['id']}/1"


def test_the_publishing_account_and_its_reason_are_shown(cast, vk_account, fake_vk):
    from django.template import Context, Template

    from otklik.cases import actions
    from otklik.connectors.collect import collect_account

    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "Вопрос")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    html = Template("{% load connectors %}{% publication_account case %}").render(Context({"case": case}))
    assert vk_account.name in html and "в котором опубликовано сообщение" in html
