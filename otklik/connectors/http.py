"""JSON over HTTP for the connectors' own clients (VK, OK): one place that turns
transport trouble into :class:`ConnectorError`.

Timeouts, connection errors, 5xx and unparsable bodies are transient; 4xx other
than 429 are permanent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from otklik.connectors.base import ConnectorError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def new_client(timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.Client:
    return httpx.Client(timeout=timeout, headers={"User-Agent": "Otklik/1.0"})


def request_json(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> Any:
    try:
        kwargs: dict[str, Any] = {"params": params, "data": data, "files": files}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ConnectorError(f"Сеть не ответила вовремя ({type(exc).__name__})", code="timeout") from exc
    except httpx.HTTPError as exc:
        raise ConnectorError(f"Ошибка соединения: {exc}", code="connection") from exc
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = _float(response.headers.get("Retry-After"))
        raise ConnectorError(
            f"Сервер сети ответил HTTP {response.status_code}",
            code=f"http_{response.status_code}",
            retry_after=retry_after,
        )
    if response.status_code >= 400:
        raise ConnectorError(
            f"Сервер сети отклонил запрос: HTTP {response.status_code}",
            permanent=True,
            code=f"http_{response.status_code}",
        )
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConnectorError("Сеть вернула неразборчивый ответ (не JSON)", code="bad_json") from exc


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
