"""One error shape for the whole API: ``{"error": {"code": "...", "message": "..."}}``.

Action errors keep the code the workflow gave them and map to HTTP statuses here;
everything else (bad JSON, schema errors, unknown paths, huge bodies, throttling,
authentication) gets a stable code and a Russian message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from otklik.cases.errors import (
    ActionError,
    ActionForbidden,
    CaseChanged,
    InvalidTransition,
    NotVisible,
    RegisteredElsewhere,
    ValidationFailed,
)

log = logging.getLogger(__name__)

ACTION_STATUS: dict[type[ActionError], int] = {
    ActionForbidden: 403,
    NotVisible: 404,
    InvalidTransition: 409,
    ValidationFailed: 400,
    CaseChanged: 409,
    RegisteredElsewhere: 409,  # the message belongs to another municipality's case
}


class ErrorBody(Schema):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raised by endpoints and auth for a non-action failure with a given status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_payload(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> HttpResponse:
    return JsonResponse(error_payload(code, message, details), status=status, json_dumps_params={"ensure_ascii": False})


def action_status(exc: ActionError) -> int:
    for cls in type(exc).__mro__:
        if cls in ACTION_STATUS:
            return ACTION_STATUS[cls]  # type: ignore[index]
    return 400


def _validation_details(errors: list[dict[str, Any]]) -> tuple[str, str, list[dict[str, Any]]]:
    details = []
    malformed = False
    for err in errors:
        kind = str(err.get("type", ""))
        if (
            kind in ("json_invalid", "json_type")
            or "JSON" in str(err.get("msg", ""))
            and "decode" in str(err.get("msg", ""))
        ):
            malformed = True
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        details.append({"field": ".".join(loc), "type": kind, "message": _russian(kind, str(err.get("msg", "")))})
    if malformed:
        return "malformed_json", "Тело запроса не является корректным JSON.", details
    fields = ", ".join(d["field"] for d in details if d["field"]) or "—"
    return "invalid_input", f"Запрос не прошёл проверку (поля: {fields}).", details


_RUSSIAN = {
    "missing": "Обязательное поле не заполнено.",
    "extra_forbidden": "Неизвестное поле.",
    "string_type": "Ожидается строка.",
    "int_type": "Ожидается целое число.",
    "int_parsing": "Ожидается целое число.",
    "bool_type": "Ожидается логическое значение.",
    "bool_parsing": "Ожидается логическое значение.",
    "list_type": "Ожидается список.",
    "dict_type": "Ожидается объект.",
    "model_type": "Ожидается объект.",
    "datetime_type": "Ожидается дата и время (ISO 8601).",
    "datetime_parsing": "Ожидается дата и время (ISO 8601).",
    "datetime_from_date_parsing": "Ожидается дата и время (ISO 8601).",
    "timezone_aware": "Укажите часовой пояс (например, +03:00).",
    "date_parsing": "Ожидается дата (ГГГГ-ММ-ДД).",
    "date_from_datetime_parsing": "Ожидается дата (ГГГГ-ММ-ДД).",
    "string_too_long": "Слишком длинная строка.",
    "string_too_short": "Строка не может быть пустой.",
    "enum": "Недопустимое значение.",
    "literal_error": "Недопустимое значение.",
    "greater_than_equal": "Значение слишком мало.",
    "less_than_equal": "Значение слишком велико.",
    "json_invalid": "Некорректный JSON.",
    "value_error": "Недопустимое значение.",
}


def _russian(kind: str, fallback: str) -> str:
    # Our own validators raise ValueError with a Russian message: pydantic prefixes it.
    own = fallback.removeprefix("Value error, ")
    if kind == "value_error" and own != fallback and any("а" <= ch.lower() <= "я" for ch in own):
        return own
    return _RUSSIAN.get(kind, fallback)


def install_handlers(api: NinjaAPI) -> None:
    def on_action_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(action_status(exc), exc.code, exc.message)

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        code, message, details = _validation_details(list(exc.errors))
        return error_response(400, code, message, details)

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            401,
            "unauthorized",
            "Требуется аутентификация: заголовок Authorization: Bearer <токен> или вход на сайт.",
        )

    def on_authz(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(403, "forbidden", "Недостаточно прав.")

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(429, "rate_limited", "Слишком много запросов: повторите позже.")

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 403 and "CSRF" in str(exc):
            return error_response(403, "csrf_failed", "Проверка CSRF не пройдена: передайте заголовок X-CSRFToken.")
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(400, "malformed_json", "Тело запроса не является корректным JSON.")
        return error_response(exc.status_code, "http_error", str(exc))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(404, "not_found", "Объект не найден или недоступен.")

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return too_large_response()

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        log.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Внутренняя ошибка сервера. Сообщите номер запроса администратору.")

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(ActionError, on_action_error)
    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(AuthorizationError, on_authz)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(RequestDataTooBig, on_too_big)


def too_large_response() -> HttpResponse:
    from django.conf import settings

    limit = int(getattr(settings, "OTKLIK_API_MAX_BODY", 1024 * 1024))
    return error_response(413, "body_too_large", f"Тело запроса больше допустимого ({limit // 1024} КБ).")
