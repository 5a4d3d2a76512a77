"""A thin VK API client (version 5.199): one method call = one HTTP request.

Every VK error code is mapped here to a transient or permanent
:class:`ConnectorError` with a message a person can act on.
"""

from __future__ import annotations

from typing import Any

import httpx

from otklik.connectors.base import ConnectorError, error_from_code
from otklik.connectors.http import new_client, request_json

API_VERSION = "5.199"

# Retried with backoff: the network is busy, not refusing.
TRANSIENT = {1: 1.0, 6: 1.0, 9: 10.0, 10: 2.0, 29: 60.0, 36: 2.0, 223: 60.0}

MESSAGES = {
    5: "ключ доступа недействителен или отозван — обновите его в настройках аккаунта",
    7: "нет прав на это действие",
    14: "ВКонтакте требует капчу — войдите в сообщество вручную и повторите позже",
    15: "доступ запрещён",
    17: "требуется подтверждение входа (валидация) для ключа администратора",
    18: "страница удалена или заблокирована",
    27: "метод не работает с ключом сообщества — нужен ключ администратора (пользователя)",
    28: "метод не работает с сервисным ключом приложения — нужен ключ администратора или сообщества",
    100: "неверный параметр запроса",
    104: "объект не найден",
    113: "неверный идентификатор пользователя",
    125: "неверный идентификатор сообщества",
    210: "нет доступа к записи",
    211: "нет доступа к комментарию",
    212: "комментарии к записи недоступны",
    213: "комментарии к записи закрыты",
    222: "ссылки в комментарии запрещены",
    900: "нельзя отправить сообщение: пользователь добавил сообщество в чёрный список",
    901: "пользователь не разрешил сообществу присылать ему сообщения — ответ не отправлен; "
    "ответьте ему в комментариях или другим способом, либо дождитесь, когда он напишет снова",
    902: "нельзя отправить сообщение: пользователь ограничил, кто может ему писать",
}


def error_from_vk(error: dict[str, Any], method: str) -> ConnectorError:
    code = int(error.get("error_code") or 0)
    return error_from_code("ВКонтакте", method, code, error.get("error_msg"), messages=MESSAGES, transient=TRANSIENT)


class VkClient:
    def __init__(self, base_url: str, *, http: httpx.Client | None = None, version: str = API_VERSION) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.http = http or new_client()

    def call(self, method: str, token: str, **params: Any) -> Any:
        if not token:
            raise ConnectorError(f"ВКонтакте, {method}: не задан нужный ключ доступа", permanent=True, code="no_token")
        data = {k: _param(v) for k, v in params.items() if v is not None}
        data.update(access_token=token, v=self.version)
        payload = request_json(self.http, "POST", f"{self.base_url}/{method}", data=data)
        if not isinstance(payload, dict):
            raise ConnectorError(f"ВКонтакте, {method}: неожиданный ответ", code="bad_shape")
        if "error" in payload:
            raise error_from_vk(payload["error"] or {}, method)
        if "response" not in payload:
            raise ConnectorError(f"ВКонтакте, {method}: в ответе нет поля response", code="bad_shape")
        return payload["response"]

    def long_poll(self, server: str, key: str, ts: str, wait: int = 0) -> dict[str, Any]:
        payload = request_json(
            self.http, "GET", server, params={"act": "a_check", "key": key, "ts": ts, "wait": wait}, timeout=wait + 10.0
        )
        if not isinstance(payload, dict):
            raise ConnectorError("ВКонтакте Long Poll: неожиданный ответ", code="bad_shape")
        return payload

    def upload(self, url: str, field: str, name: str, content: bytes, content_type: str) -> dict[str, Any]:
        payload = request_json(self.http, "POST", url, files={field: (name, content, content_type)}, timeout=60.0)
        if not isinstance(payload, dict) or not payload.get("hash"):
            raise ConnectorError("ВКонтакте: сервер загрузки фото не принял файл", code="upload")
        return payload

    def upload_video(self, url: str, name: str, content: bytes, content_type: str) -> dict[str, Any]:
        """POST the file to ``video.save``'s ``upload_url`` (field ``video_file``)."""
        payload = request_json(
            self.http, "POST", url, files={"video_file": (name, content, content_type)}, timeout=300.0
        )
        if not isinstance(payload, dict) or not payload.get("video_hash"):
            raise ConnectorError("ВКонтакте: сервер загрузки видео не принял файл", code="upload")
        return payload


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
