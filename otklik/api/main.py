"""The API object: authentication, throttling, error handlers and the routers."""

from __future__ import annotations

from ninja import NinjaAPI

from otklik.api.auth import AUTH
from otklik.api.errors import install_handlers
from otklik.api.ratelimit import CredentialThrottle

DESCRIPTION = """
API системы «Отклик»: всё, что человек делает на страницах, — с теми же правилами доступа.

**Аутентификация.** Личный токен (`Authorization: Bearer otk_p_…`; создаётся в `POST /tokens`
после входа на сайт, показывается один раз) действует с правами своего владельца. Сервисный токен
интеграции (`otk_s_…`; выдаёт администратор) привязан к муниципалитету и к правам `push`,
`export`, `read`. Страницы самого сайта пользуются сессией (с заголовком `X-CSRFToken`).

**Ошибки** всегда в виде `{"error": {"code": "...", "message": "..."}}`: 400 — неверный запрос,
401 — нет или неверный токен, 403 — нет прав, 404 — объект не найден или не виден, 409 — обращение
уже изменено (`case_changed`) или действие недопустимо в его статусе (`invalid_transition`),
413 — слишком большое тело запроса, 429 — превышен лимит запросов.

Каждый ответ несёт заголовок `X-Request-ID`: назовите его администратору, если что-то пошло не так.
"""

api = NinjaAPI(
    title="Отклик API",
    version="1",
    description=DESCRIPTION,
    auth=AUTH,
    throttle=[CredentialThrottle()],
    urls_namespace="api",
)
install_handlers(api)


def _routers() -> None:
    from otklik.api.endpoints import actions, cases, exchange, meta, reference, reports

    api.add_router("/", meta.router)
    api.add_router("/", reference.router)
    api.add_router("/", cases.router)
    api.add_router("/", actions.router)
    api.add_router("/", exchange.router)
    api.add_router("/", reports.router)


_routers()
