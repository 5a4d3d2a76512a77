"""Issue 19 item 2: no token, key, password or citizen text in any log line at any level.

A collection (VK Long Poll, Telegram), a publication, a notification and failed requests run
with every logger at DEBUG through the production handler (its filters and JSON format); the
captured lines are then searched for every configured secret.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.cases.models import Post
from otklik.connectors.base import AccountRef, RateLimiter
from otklik.connectors.collect import collect_account
from otklik.connectors.publish import deliver_publication
from otklik.connectors.telegram.connector import TelegramConnector
from otklik.connectors.telegram.fake import FakeTelegram
from otklik.connectors.tests.helpers import FAST, start_vk, vk_connector, vk_credentials
from otklik.notify import services
from otklik.notify.fake import FakeNotifyBot
from otklik.notify.models import NotifySettings
from otklik.ops.logging import JsonFormatter, RedactSecrets, RequestIdFilter

pytestmark = pytest.mark.django_db(transaction=True)

TG_TOKEN = "7771234567:AAHk2sVbq9-CollectorBotTokenForTests_x1"  # noqa: S105 - a fake
NOTIFY_TOKEN = "6661234567:AAF-NotifyBotTokenThatMustNeverBeLogged_"  # noqa: S105 - a fake
API_TOKEN = "otk_3f9c0e2a7b6d4c1e9a8b7c6d5e4f3a2b"  # noqa: S105 - a fake
CITIZEN = "Иванов Пётр Сергеевич ул. Ленина 5 кв 12"


@pytest.fixture
def captured():
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore", "django.request", "huey")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_no_secret_or_citizen_text_reaches_the_logs(cast, settings, captured):
    fake_vk = start_vk()
    fake_tg = FakeTelegram(seed=1).start()
    try:
        with FakeNotifyBot(token=NOTIFY_TOKEN) as bot:
            settings.VK_API_BASE_URL = fake_vk.base_url
            settings.TELEGRAM_API_BASE_URL = bot.base_url
            settings.TELEGRAM_NOTIFY_BOT_TOKEN = NOTIFY_TOKEN
            lp_key = run_everything(cast, fake_vk, fake_tg)
    finally:
        fake_vk.stop()
        fake_tg.stop()

    logged = captured.getvalue()
    assert "HTTP Request" in logged and "/bot[скрыто]/" in logged  # the lines are there, masked
    secrets = [
        *vk_credentials("longpoll").values(),
        lp_key,
        TG_TOKEN,
        NOTIFY_TOKEN,
        API_TOKEN,
        "wrong-password-123",
        CITIZEN,
        settings.SECRET_KEY,
    ]
    for secret in secrets:
        if secret in ("longpoll",):
            continue
        assert secret not in logged, secret


def run_everything(cast, fake_vk, fake_tg) -> str:  # type: ignore[no-untyped-def]
    # Collection through VK Long Poll (its key= travels in the URL) and a publication.
    account = cast.vk_account
    account.external_id = str(fake_vk.group_id)
    account.set_credentials(vk_credentials("longpoll"))
    account.save()
    post = fake_vk.add_post("Пост")
    collect_account(account, connector=vk_connector(fake_vk, mode="longpoll"))  # the first run remembers ts
    fake_vk.add_comment(post.id, CITIZEN)
    collect_account(account, force=True)
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    case = actions.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    publication = actions.do_publish_answer(case, account=account, acting_user=cast.specialist).publications.get()
    deliver_publication(publication.pk)

    # Telegram collection: the token is in every Bot API URL httpx logs.
    fake_tg.add_token(TG_TOKEN)
    _, forward = fake_tg.post_to_channel("Пост")
    fake_tg.comment(forward, CITIZEN)
    RateLimiter.reset()
    ref = AccountRef(
        key="tg-log",
        network="telegram",
        external_id=str(fake_tg.channel["id"]),
        credentials={"bot_token": TG_TOKEN, "discussion_chat_id": fake_tg.group["id"]},
    )
    connector = TelegramConnector(ref, base_url=fake_tg.base_url, policy=FAST, sleep=lambda s: None, timeout=2.0)
    connector.rate_per_second = 0
    for _batch in connector.collect({}):
        pass

    # A notification through the notification bot.
    NotifySettings.objects.update_or_create(user=cast.roads, defaults={"telegram_chat_id": "77"})
    services.notify(
        [cast.roads], kind="case_routed", title="Новое обращение", url="/cases/1/", dedupe_key="log",
        municipality=cast.municipality,
    )  # fmt: skip

    # Failed requests: a token and a citizen's words in query strings, a wrong password.
    client = Client()
    client.get("/api/v1/cases/", {"access_token": API_TOKEN, "q": CITIZEN})
    client.get("/no-such-page/", {"q": CITIZEN, "token": API_TOKEN})
    client.post("/login/", {"username": "specialist", "password": "wrong-password-123"})
    return fake_vk.lp_key
