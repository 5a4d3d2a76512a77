"""Who am I, a trivial ping, and personal tokens (created and revoked by their owner)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Status

from otklik.api.auth import ApiRequest
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.models import ApiToken
from otklik.api.schemas import TokenCreated, TokenIn, TokenOut, WhoAmI
from otklik.api.scope import user_roles

router = Router(tags=["Служебное"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
MAX_ACTIVE_TOKENS = 20


@router.get("/ping", auth=None, summary="Проверка доступности", response={200: dict})
def ping(request: ApiRequest) -> dict:
    """Самый простой ответ сервера: без базы данных и аутентификации (эталон для нагрузочных замеров)."""
    return {"ok": True}


@router.get("/me", response={200: WhoAmI, **ERRORS}, summary="Кто я")
def me(request: ApiRequest) -> dict:
    """Пользователь или сервисный токен, от имени которого выполняется запрос, и его роли/права."""
    p = request.auth
    if p.service is not None:
        return {
            "kind": "service",
            "username": None,
            "full_name": p.service.name,
            "municipality": p.service.municipality.slug,
            "permissions": list(p.service.permissions or []),
        }
    user = p.user
    return {
        "kind": "user",
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": user_roles(user),
    }


def _token_out(t: ApiToken) -> dict:
    return {
        "id": t.pk,
        "name": t.name,
        "hint": t.hint,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="Мои токены API")
def list_tokens(request: ApiRequest) -> list[dict]:
    """Личные токены вызывающего пользователя (сами токены не показываются — только их начало)."""
    user = request.auth.require_user()
    return [_token_out(t) for t in ApiToken.objects.filter(user=user)]


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, summary="Создать личный токен")
def create_token(request: ApiRequest, payload: TokenIn) -> Status:
    """Создаёт личный токен с правами вызывающего пользователя. Токен возвращается **один раз**;
    хранится только его хэш. Новый токен нельзя создать другим токеном — только из сессии сайта
    (иначе утёкший токен продлевал бы сам себя)."""
    p = request.auth
    user = p.require_user()
    if p.token is not None:
        raise ApiError(403, "forbidden", "Новый токен создаётся только после входа на сайт, а не другим токеном.")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ApiError(
            400, "validation_failed", f"Не больше {MAX_ACTIVE_TOKENS} действующих токенов: отзовите ненужные."
        )
    row, raw = ApiToken.issue(
        user=user, name=payload.name, expires_at=timezone.now() + dt.timedelta(days=payload.expires_in_days)
    )
    return Status(201, {**_token_out(row), "token": raw})


@router.delete("/tokens/{int:token_id}", response={200: TokenOut, **ERRORS}, summary="Отозвать личный токен")
def revoke_token(request: ApiRequest, token_id: int) -> dict:
    """Отзывает свой токен (можно и самим этим токеном). Чужой токен — 404."""
    user = request.auth.require_user()
    row = ApiToken.objects.filter(pk=token_id, user=user).first()
    if row is None:
        raise ApiError(404, "not_found", "Токен не найден.")
    row.revoke()
    return _token_out(row)
