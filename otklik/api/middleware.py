"""Request ids on every response, and the API's body-size limit.

``X-Request-ID``: taken from the client (or the proxy) when it looks sane, otherwise a
new one; set on ``request.request_id`` for logs and returned on every response, so a
person can quote it to an administrator.

Body limit: an API request announcing a body larger than ``OTKLIK_API_MAX_BODY`` is
refused with 413 before anything reads it.

NUL characters (issue 19 item 7): PostgreSQL cannot store or compare ``\u0000`` in text,
so a path or query string (any page or the API) carrying one is refused with 400 here, before any
view or query sees it; the API's bodies are checked by ``api.schemas.In``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from otklik.api.errors import error_response, too_large_response

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
NUL_MESSAGE = "Запрос содержит недопустимый символ NUL (\\u0000): уберите его и повторите."


def _has_nul(request: HttpRequest) -> bool:
    """A NUL in the path or the query string (raw or percent-encoded); bodies are checked by
    the API's schemas."""
    query = request.META.get("QUERY_STRING", "")
    return "%00" in query or "\x00" in query or "\x00" in request.path


API_PREFIX = "/api/"


_MESSAGES = {
    400: ("bad_request", "Некорректный запрос."),
    403: ("forbidden", "Недостаточно прав."),
    404: ("not_found", "Такого адреса в API нет."),
    405: ("method_not_allowed", "Этот метод не поддерживается для этого адреса."),
    500: ("server_error", "Внутренняя ошибка сервера. Сообщите номер запроса администратору."),
}


def _json_error(response: HttpResponse) -> HttpResponse:
    """An error answered outside the API's handlers (405 from the router, Django's own pages)
    still reaches the client in the API's error shape."""
    if response.status_code < 400 or response.streaming:
        return response
    if response.get("Content-Type", "").startswith("application/json"):
        return response
    code, message = _MESSAGES.get(response.status_code, (f"http_{response.status_code}", "Ошибка запроса."))
    out = error_response(response.status_code, code, message)
    if "Allow" in response:
        out["Allow"] = response["Allow"]
    return out


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Works with otklik.ops' logging middleware in either order: the first one sets the id.
        request_id = getattr(request, "request_id", None)
        if not request_id:
            incoming = request.headers.get("X-Request-ID", "")
            request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
            request.request_id = request_id  # type: ignore[attr-defined]
        response = self._limited(request)
        if response is None:
            response = self.get_response(request)
            if request.path.startswith(API_PREFIX):
                response = _json_error(response)
        if "X-Request-ID" not in response:
            response["X-Request-ID"] = request_id
        return response

    def _limited(self, request: HttpRequest) -> HttpResponse | None:
        nul = _has_nul(request)
        if nul and request.path.startswith(API_PREFIX):
            return error_response(400, "validation_failed", NUL_MESSAGE)
        if nul:
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        if not request.path.startswith(API_PREFIX):
            return None
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return error_response(400, "bad_content_length", "Некорректный заголовок Content-Length.")
        if length > int(getattr(settings, "OTKLIK_API_MAX_BODY", 1024 * 1024)):
            return too_large_response()
        return None
