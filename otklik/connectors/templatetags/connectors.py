"""``{% publication_account case %}``: which official account an answer will be posted
from, and why (DESIGN.md rule), for the case page to show before publishing."""

from __future__ import annotations

from typing import Any

from django import template

from otklik.cases.actions import choose_publication_account

register = template.Library()


def publication_account_reason(case: Any) -> tuple[Any, str]:
    account = choose_publication_account(case)
    if account is None:
        return (
            None,
            "Официального аккаунта в этой соцсети нет — ответ размещается вручную, затем укажите ссылку на него.",
        )
    post = case.primary_post
    if post is not None and post.account_id == account.pk and _elsewhere(post, account):
        why = (
            "официальное сообщество: сообщение написано в стороннем сообществе под наблюдением, ответ публикуется "
            "там от имени официального, если сообщество это разрешает"
        )
    elif post is not None and post.account_id == account.pk:
        why = "аккаунт, в котором опубликовано сообщение"
    elif account.organization_id == getattr(case.municipality.administration(), "pk", None):
        why = "аккаунт администрации (у исполнителя нет аккаунта в этой соцсети)"
    else:
        why = "аккаунт организации-исполнителя"
    return account, why


@register.inclusion_tag("connectors/_publication_account.html")
def publication_account(case: Any) -> dict[str, Any]:
    account, why = publication_account_reason(case)
    return {"account": account, "why": why}


def _elsewhere(post: Any, account: Any) -> bool:
    """A VK message on another community's wall (a watched one), collected through ``account``."""
    key = str(post.source_key or "")
    if post.network != "vk" or not key.startswith("wall-"):
        return False
    owner = key[len("wall-") :].split("_", 1)[0]
    return owner != str(account.external_id or "").lstrip("-")


# Published request limits per network, as the sources page states them.
RATE_LIMITS = {
    "vk": "лимит ВКонтакте: 3 запроса в секунду на ключ приложения или администратора, 20 — на ключ сообщества",
    "ok": "лимит Одноклассников: несколько запросов в секунду на приложение",
    "telegram": "лимит Telegram: около 20 сообщений в минуту в одну группу",
    "max": "лимит MAX: 30 запросов в секунду на бота",
}


@register.filter
def rate_limit(network: str) -> str:
    return RATE_LIMITS.get(str(network), "")
