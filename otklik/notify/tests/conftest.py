from __future__ import annotations

import socket

import pytest

from otklik.notify.fake import FakeNotifyBot
from otklik.notify.models import NotifySettings
from otklik.notify.smtp_sink import SmtpSink


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
        settings.EMAIL_TIMEOUT = 5
        yield sink


@pytest.fixture
def dead_smtp(settings):  # type: ignore[no-untyped-def]
    """SMTP settings pointing at a port nobody listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 2
    return port


@pytest.fixture
def bot(settings):  # type: ignore[no-untyped-def]
    with FakeNotifyBot() as fake:
        settings.TELEGRAM_API_BASE_URL = fake.base_url
        settings.TELEGRAM_NOTIFY_BOT_TOKEN = fake.token
        yield fake


def link(user, chat_id: str) -> None:  # type: ignore[no-untyped-def]
    NotifySettings.objects.update_or_create(user=user, defaults={"telegram_chat_id": chat_id})
