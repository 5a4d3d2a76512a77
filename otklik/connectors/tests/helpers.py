"""Shared set-up for connector tests: running fakes and connectors pointed at them."""

from __future__ import annotations

import httpx

from otklik.connectors.base import AccountRef, RateLimiter, RetryPolicy
from otklik.connectors.vk.connector import VkConnector
from otklik.connectors.vk.fake import FakeVk

FAST = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.01)


def vk_credentials(mode: str = "wall") -> dict[str, str]:
    return {
        "community_token": "vk-group-token",
        "service_token": "vk-service-key",
        "user_token": "vk-admin-token",
        "mode": mode,
    }


def start_vk(**kwargs: object) -> FakeVk:
    fake = FakeVk(**kwargs).start()  # type: ignore[arg-type]
    fake.add_token("vk-group-token", "group")
    fake.add_token("vk-service-key", "service")
    fake.add_token("vk-admin-token", "user")
    fake.add_user(501, "Иван", "Петров")
    fake.add_user(502, "Мария", "Сидорова")
    return fake


def vk_connector(fake: FakeVk, mode: str = "wall", policy: RetryPolicy = FAST, **creds: str) -> VkConnector:
    RateLimiter.reset()
    account = AccountRef(
        key=f"test-vk-{fake.port}",
        network="vk",
        external_id=str(fake.group_id),
        credentials={**vk_credentials(mode), **creds},
    )
    connector = VkConnector(account, base_url=fake.base_url, policy=policy, sleep=lambda s: None)
    connector.client.http.timeout = httpx.Timeout(1.0)
    connector.rates = {"user": 0, "service": 0, "group": 0}  # no waiting in tests (one test checks the limiter)
    return connector


def drain(connector, cursor=None):  # type: ignore[no-untyped-def]
    """Run a whole collection; return (messages, changes, final cursor)."""
    messages, changes = [], []
    cursor = cursor or {}
    for batch in connector.collect(cursor):
        messages += batch.messages
        changes += batch.changes
        cursor = batch.cursor
    return messages, changes, cursor
