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
    if post is not None and post.account_id == account.pk:
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
