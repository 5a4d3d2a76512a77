"""A small client of the MAX Bot API (schema 0.0.30, github.com/max-messenger/max-bot-api-schema).

HTTPS JSON; the bot's token goes in the ``Authorization`` header. Errors come as an
HTTP status with ``{"code": "...", "message": "..."}``; each is mapped here to a
transient or permanent :class:`ConnectorError` with a message a person can act on.

Why not a library: the official Python client (``maxapi``) is asyncio/aiohttp with
its own dispatcher, returns errors as values and logs them; the rest of the
ecosystem is young and fragmented. The connector needs six endpoints, called
synchronously with the retries and rate limits of :class:`Connector` — the same
shape as the VK client (see docs/decisions/0009-max-http-client.md).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from otklik.connectors.base import ConnectorError
from otklik.connectors.http import new_client

DEFAULT_BASE_URL = "https://platform-api.max.ru"

# error key -> (permanent, what a person reads)
ERRORS: dict[str, tuple[bool, str]] = {
    "verify.token": (True, "ключ бота недействителен или отозван — выпустите новый у @MasterBot и обновите настройки"),
    "chat.denied": (
        True,
        "бот не может писать в этот чат: пользователь остановил или заблокировал бота, или бот не участник чата",
    ),  # fmt: skip
    "access.denied": (True, "у бота нет прав на это действие (нужны права администратора чата)"),
    "not.found": (True, "сообщение или чат не найдены (удалены?)"),
    "attachment.not.ready": (False, "файл ещё обрабатывается сервером MAX"),
    "too.many.requests": (False, "слишком много запросов"),
    "internal.error": (False, "внутренняя ошибка сервера MAX"),
    "service.unavailable": (False, "сервис MAX временно недоступен"),
}


def error_from_max(status: int, body: Any, what: str) -> ConnectorError:
    code = str(body.get("code") or "") if isinstance(body, dict) else ""
    known = ERRORS.get(code)
    if known is not None:
        permanent, text = known
    elif status == 429 or status >= 500:
        permanent, text = False, f"сервер ответил HTTP {status}"
    else:
        permanent, text = True, str((body or {}).get("message") if isinstance(body, dict) else "") or f"HTTP {status}"
    return ConnectorError(f"MAX, {what}: {text} ({code or status})", permanent=permanent, code=code or status)


class MaxClient:
    def __init__(self, base_url: str, token: str, *, http: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = http or new_client()

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None, timeout: float = 10.0
    ) -> Any:
        if not self.token:
            raise ConnectorError("MAX: не задан ключ бота", permanent=True, code="no_token")
        what = f"{method} {path.split('?')[0]}"
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", params={k: v for k, v in (params or {}).items() if v is not None},
                json=body, headers={"Authorization": self.token}, timeout=timeout,
            )  # fmt: skip
        except httpx.TimeoutException as exc:
            raise ConnectorError(f"MAX, {what}: сервер не ответил вовремя", code="timeout") from exc
        except httpx.HTTPError as exc:
            raise ConnectorError(f"MAX, {what}: ошибка соединения: {exc}", code="connection") from exc
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            if response.status_code >= 400:
                raise error_from_max(response.status_code, None, what) from None
            raise ConnectorError(f"MAX, {what}: неразборчивый ответ (не JSON)", code="bad_json") from None
        if response.status_code >= 400:
            raise error_from_max(response.status_code, payload, what)
        if not isinstance(payload, dict):
            raise ConnectorError(f"MAX, {what}: неожиданный ответ", code="bad_shape")
        return payload

    def upload(self, url: str, name: str, content: bytes, content_type: str) -> dict[str, Any]:
        """Step two of attaching a file: the binary goes to the URL ``POST /uploads`` gave."""
        try:
            response = self.http.post(url, files={"data": (name, content, content_type)}, timeout=60.0)
            payload = response.json()
        except (httpx.HTTPError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConnectorError("MAX: сервер загрузки не принял файл", code="upload") from exc
        if response.status_code >= 400 or not isinstance(payload, dict):
            raise ConnectorError("MAX: сервер загрузки не принял файл", code="upload")
        return payload
