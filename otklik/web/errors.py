"""Error pages in Russian, in the site's layout: what happened, why (when the code knows), a way back."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

# A reason raised in code is shown when it is written for people (in Russian); Django's own
# English messages ("No Organization matches the given query.") are not.
_FOR_PEOPLE = re.compile(r"[А-Яа-яЁё]")


def _reason(exception: Any) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and _FOR_PEOPLE.search(message) else ""


def _back(request: HttpRequest) -> str:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        if referer != request.build_absolute_uri():
            return referer
    return ""


def _page(request: HttpRequest, status: int, title: str, reason: str, hint: str) -> HttpResponse:
    context = {"status": status, "title": title, "reason": reason, "hint": hint, "back": _back(request)}
    return render(request, "web/error.html", context, status=status)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        404,
        "Страница не найдена",
        _reason(exception),
        "Ссылка могла устареть, или эта страница вам недоступна. Обращения других организаций не показываются.",
    )


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        403,
        "Нет доступа",
        _reason(exception),
        "Если доступ нужен для работы, обратитесь к администратору системы.",
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400, "Неверный запрос", "", "Вернитесь назад и повторите действие.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "Страница устарела",
        "Форма была открыта слишком давно или в другом окне выполнен вход или выход.",
        "Вернитесь назад, обновите страницу и повторите действие — введённый текст лучше сначала скопировать.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: the database may be what failed.
    html = loader.get_template("web/error.html").render(
        {
            "status": 500,
            "title": "Ошибка на сервере",
            "reason": "Сервер не смог обработать запрос. Ошибка записана в журнал.",
            "hint": "Повторите через минуту. Если ошибка повторяется, сообщите администратору время, когда она случилась.",
            "back": "",
        }
    )
    return HttpResponse(html, status=500)
