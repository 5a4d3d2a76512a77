"""Request budgets per network, as the sources page states them (issue 20).

A network that publishes a daily limit gets «осталось N из M запросов в сутки», counted from the
requests made today with the same key; one that publishes only a rate per second or minute gets
that rate stated, since there is nothing to count down.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RateLimit:
    rate: str  # the published per-second (or per-minute) limit
    daily_setting: str = ""  # the setting holding the daily limit, where the network publishes one
    daily_what: str = ""  # what the daily limit applies to

    @property
    def per_day(self) -> int:
        return int(getattr(settings, self.daily_setting, 0) or 0) if self.daily_setting else 0


RATE_LIMITS = {
    "vk": RateLimit(
        "не чаще 3 запросов в секунду на ключ приложения или администратора, 20 — на ключ сообщества",
        daily_setting="VK_DAILY_CALLS",
        daily_what="лимит ВКонтакте на чтение стены (wall.get)",
    ),  # fmt: skip
    "ok": RateLimit("лимит Одноклассников: несколько запросов в секунду на приложение; суточный лимит не опубликован"),
    "telegram": RateLimit("лимит Telegram: около 20 сообщений в минуту в одну группу; суточного лимита нет"),
    "max": RateLimit("лимит MAX: 30 запросов в секунду на бота; суточный лимит не опубликован"),
}


def budget_left(network: str, calls_today: int) -> str:
    """What is left of today's budget for a key that made ``calls_today`` requests, in Russian."""
    limit = RATE_LIMITS.get(network)
    if limit is None:
        return ""
    if not limit.per_day:
        return limit.rate
    left = max(limit.per_day - calls_today, 0)
    return f"осталось {left} из {limit.per_day} запросов в сутки ({limit.daily_what}); {limit.rate}"
