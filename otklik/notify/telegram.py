"""A tiny client of the Telegram Bot API for the notification bot (sendMessage, sendDocument, getUpdates).

The base URL comes from ``TELEGRAM_API_BASE_URL`` (``https://api.telegram.org/bot``), so tests
and demos point it at :mod:`otklik.notify.fake`. The token is ``TELEGRAM_NOTIFY_BOT_TOKEN``;
it never appears in errors or logs.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

# Bots upload files of up to 50 MB with multipart/form-data (Bot API, "Sending files").
# Counted in decimal megabytes: the smaller reading of "50 MB", so a file we let through is
# never refused for a few bytes.
MAX_DOCUMENT_BYTES = 50 * 1000 * 1000
MAX_CAPTION = 1024
# A 50 MB upload on a slow link: each read/write may wait this long (httpx timeouts are per step).
UPLOAD_TIMEOUT = 60.0


class BotError(Exception):
    """``permanent``: retrying will not help by itself (blocked bot, chat not found, bad token)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def is_configured() -> bool:
    return bool(getattr(settings, "TELEGRAM_NOTIFY_BOT_TOKEN", ""))


class BotClient:
    def __init__(self, base_url: str | None = None, token: str | None = None, *, timeout: float = 10.0) -> None:
        self.base_url = base_url if base_url is not None else settings.TELEGRAM_API_BASE_URL
        self.token = token if token is not None else settings.TELEGRAM_NOTIFY_BOT_TOKEN
        self.timeout = timeout

    def call(self, method: str, **params: Any) -> Any:
        return self._post(method, json=params, timeout=self.timeout)

    def _post(self, method: str, **request: Any) -> Any:
        url = f"{self.base_url}{self.token}/{method}"
        try:
            response = httpx.post(url, **request)
        except httpx.HTTPError as exc:
            raise BotError(f"Telegram недоступен: {type(exc).__name__}") from None
        try:
            data = response.json()
        except ValueError:
            raise BotError(f"Telegram ответил HTTP {response.status_code} не в формате JSON") from None
        if not isinstance(data, dict) or not data.get("ok"):
            code = data.get("error_code", response.status_code) if isinstance(data, dict) else response.status_code
            description = str(data.get("description", "")) if isinstance(data, dict) else ""
            # 400 chat not found, 401 bad token, 403 blocked by the user: a person must act.
            permanent = code in (400, 401, 403, 404)
            raise BotError(f"Telegram: {code} {description}".strip(), permanent=permanent)
        return data.get("result")

    def send_message(self, chat_id: str, text: str) -> Any:
        return self.call("sendMessage", chat_id=chat_id, text=text[:4096], disable_web_page_preview=True)

    def send_document(self, chat_id: str, filename: str, content: bytes, mimetype: str, *, caption: str = "") -> Any:
        """Upload a file as a document (multipart/form-data: ``chat_id``, ``caption``, ``document``)."""
        data = {"chat_id": chat_id}
        if caption:
            data["caption"] = caption[:MAX_CAPTION]
        return self._post(
            "sendDocument",
            data=data,
            files={"document": (filename, content, mimetype)},
            timeout=max(self.timeout, UPLOAD_TIMEOUT),
        )

    def get_updates(self, offset: int = 0) -> list[dict[str, Any]]:
        result = self.call("getUpdates", offset=offset, timeout=0, allowed_updates=["message"])
        return list(result or [])
