"""``{% publication_account case %}``: which official account an answer will be posted
from, and why (DESIGN.md rule), for the case page to show before publishing."""

from __future__ import annotations

from typing import Any

from django import template

from otklik.cases.actions import choose_publication_account
from otklik.connectors import limits

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


@register.simple_tag
def budget_left(network: str, calls_today: int) -> str:
    """``{% budget_left network calls %}``: the rate-limit budget left today (connectors.limits)."""
    return limits.budget_left(str(network), int(calls_today or 0))
