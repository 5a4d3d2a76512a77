"""Helpers for the API tests: a client that speaks JSON with a person's or a service's token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from otklik.api.models import ApiToken, ServiceToken

BASE = "/api/v1"


class ApiClient:
    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, *, raw: str | bytes | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data, content_type="application/json", headers=self._headers(headers))

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(BASE + path, headers=self._headers(headers))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(cast):  # type: ignore[no-untyped-def]
    """``as_user(cast.specialist)`` → an ApiClient with a fresh personal token of that person."""

    def make(user: Any) -> ApiClient:
        _, raw = ApiToken.issue(user=user, name="test")
        return ApiClient(raw)

    return make


@pytest.fixture
def as_service(cast):  # type: ignore[no-untyped-def]
    def make(*permissions: str, municipality: Any = None) -> ApiClient:
        _, raw = ServiceToken.issue(
            name="ЦУР", municipality=municipality or cast.municipality, permissions=list(permissions)
        )
        return ApiClient(raw)

    return make


def error_code(response: Any) -> str:
    return response.json()["error"]["code"]


_seq = iter(range(1, 10**9))


@pytest.fixture
def make_case(cast):  # type: ignore[no-untyped-def]
    """A case registered the way connectors do it (``detected=True`` → status «new»)."""
    import datetime as dt

    from django.utils import timezone

    from otklik.cases.actions import do_register_post
    from otklik.connectors.base import IncomingMessage

    def make(text: str = "Яма на дороге по улице Ленина", *, detected: bool = True, municipality: Any = None) -> Any:
        n = next(_seq)
        incoming = IncomingMessage(
            network="vk",
            source_key=f"wall-100001_{n}",
            text=text,
            published_at=timezone.now() - dt.timedelta(minutes=5),
            url=f"https://vk.com/wall-100001_{n}",
            author_id=str(1000 + n),
            author_name="Мария Петрова",
        )
        return do_register_post(municipality or cast.municipality, incoming, detected=detected)

    return make
