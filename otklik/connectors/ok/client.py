"""A thin Odnoklassniki REST API client with request signing.

Signing, as documented at apiok.ru ("Подпись запроса"): take every parameter except
``sig`` and ``access_token`` (``session_key``), sort by name, concatenate as
``name=value`` without separators, append ``secret_key = md5(access_token +
application_secret_key)`` in lower-case hex, and send ``sig = md5(...)`` in
lower-case hex.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from otklik.connectors.base import ConnectorError, error_from_code
from otklik.connectors.http import new_client, request_json

TRANSIENT = {1: 2.0, 2: 2.0, 8: 30.0, 11: 60.0}
MESSAGES = {
    3: "неизвестный метод",
    4: "неверный запрос",
    7: "действие заблокировано",
    9: "доступ с этого адреса заблокирован",
    10: "нет прав на это действие (бот/приложение не администратор группы?)",
    100: "неверный параметр запроса",
    101: "неверный ключ приложения",
    102: "ключ доступа истёк или отозван — обновите его в настройках аккаунта",
    103: "неверный ключ сессии",
    104: "неверная подпись запроса (проверьте секретный ключ приложения)",
    300: "объект не найден",
}


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def sign(params: dict[str, str], access_token: str, application_secret_key: str) -> str:
    secret = md5_hex(access_token + application_secret_key)
    payload = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("sig", "access_token", "session_key"))
    return md5_hex(payload + secret)


def error_from_ok(payload: dict[str, Any], method: str) -> ConnectorError:
    code = int(payload.get("error_code") or 0)
    return error_from_code(
        "Одноклассники", method, code, payload.get("error_msg"), messages=MESSAGES, transient=TRANSIENT
    )


class OkClient:
    def __init__(
        self,
        base_url: str,
        *,
        application_key: str,
        application_secret_key: str,
        access_token: str,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url
        self.application_key = application_key
        self.application_secret_key = application_secret_key
        self.access_token = access_token
        self.http = http or new_client()

    def call(self, method: str, **params: Any) -> Any:
        if not (self.access_token and self.application_key and self.application_secret_key):
            raise ConnectorError(
                f"Одноклассники, {method}: не заданы ключи приложения или ключ доступа", permanent=True, code="no_token"
            )
        data = {k: _param(v) for k, v in params.items() if v is not None}
        data.update(method=method, application_key=self.application_key, format="json")
        data["sig"] = sign(data, self.access_token, self.application_secret_key)
        data["access_token"] = self.access_token
        payload = request_json(self.http, "POST", self.base_url, data=data)
        if isinstance(payload, dict) and "error_code" in payload:
            raise error_from_ok(payload, method)
        return payload

    def upload(self, url: str, name: str, content: bytes, content_type: str) -> dict[str, Any]:
        payload = request_json(self.http, "POST", url, files={"pic1": (name, content, content_type)}, timeout=60.0)
        if not isinstance(payload, dict) or not payload.get("photos"):
            raise ConnectorError("Одноклассники: сервер загрузки фото не принял файл", code="upload")
        return payload


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
