"""Who is calling: a person (personal token or the site's session) or an integration (service token).

Every endpoint receives ``request.auth`` as a :class:`Principal`. People act with exactly
their own rights (``access_case`` decides); a service token acts for no person and is
limited to one municipality and to its listed permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from otklik.api.errors import ApiError
from otklik.api.models import PERSONAL_PREFIX, SERVICE_PREFIX, ApiToken, ServiceToken, hash_token


@dataclass
class Principal:
    user: Any = None  # the person, or None for a service token
    token: ApiToken | None = None
    service: ServiceToken | None = None

    @property
    def is_service(self) -> bool:
        return self.service is not None

    @property
    def rate_key(self) -> str:
        if self.service is not None:
            return f"s{self.service.pk}"
        if self.token is not None:
            return f"t{self.token.pk}"
        return f"u{self.user.pk}"

    def require_user(self) -> Any:
        """The person behind the call; service tokens are refused (they have no personal rights)."""
        if self.user is None:
            raise ApiError(403, "forbidden", "Это действие доступно только пользователю, а не сервисному токену.")
        return self.user

    def require_service(self, permission: str) -> ServiceToken:
        if self.service is None:
            raise ApiError(403, "forbidden", "Нужен сервисный токен.")
        if not self.service.has_permission(permission):
            raise ApiError(403, "forbidden", f"У сервисного токена нет права «{permission}».")
        return self.service

    def __bool__(self) -> bool:  # ninja treats a falsy result as "not authenticated"
        return True


class ApiRequest(HttpRequest):
    """The request an endpoint receives: ``auth`` is set by the authentication step."""

    auth: Principal


class TokenAuth(HttpBearer):
    """``Authorization: Bearer otk_p_…`` (personal) or ``otk_s_…`` (service)."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        token = token.strip()
        if token.startswith(SERVICE_PREFIX):
            model: type[ApiToken] | type[ServiceToken] = ServiceToken
        elif token.startswith(PERSONAL_PREFIX):
            model = ApiToken
        else:
            raise ApiError(401, "invalid_token", "Неизвестный токен API.")
        related = "user" if model is ApiToken else "municipality"
        row: Any = model.objects.select_related(related).filter(token_hash=hash_token(token)).first()
        if row is None:
            raise ApiError(401, "invalid_token", "Неизвестный токен API.")
        if row.is_revoked:
            raise ApiError(401, "token_revoked", "Токен отозван. Создайте новый.")
        if row.is_expired:
            raise ApiError(401, "token_expired", "Срок действия токена истёк. Создайте новый.")
        row.touch()
        if isinstance(row, ServiceToken):
            return Principal(service=row)
        user: AbstractBaseUser = row.user
        if not user.is_active:
            raise ApiError(401, "user_inactive", "Учётная запись владельца токена отключена.")
        request.user = user  # type: ignore[assignment]
        return Principal(user=user, token=row)


class SessionAuth(NinjaSessionAuth):
    """The pages' own calls: the Django session, with the CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: not a page's call, so "not authenticated" (401), not a CSRF failure.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", AnonymousUser())
        if key is not None and user.is_authenticated:
            return Principal(user=user)
        return None


AUTH = [TokenAuth(), SessionAuth(csrf=True)]
