"""Per-request context shared with log records and audit entries (contextvars: thread- and task-safe)."""

from __future__ import annotations

import contextvars
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("otklik_request_id", default="")
request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("otklik_request", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_request() -> Any:
    return request_var.get()


def current_user() -> Any:
    """The signed-in user of the request being served, or None (commands, jobs, anonymous)."""
    request = request_var.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


def client_ip(request: Any) -> str | None:
    """The client's address. Behind nginx, REMOTE_ADDR is nginx: trust X-Real-IP only then.

    ``OTKLIK_TRUST_X_REAL_IP`` (on in the shipped nginx setup) says a proxy we control sets it.
    """
    from django.conf import settings

    meta = getattr(request, "META", {})
    if getattr(settings, "OTKLIK_TRUST_X_REAL_IP", False):
        real = meta.get("HTTP_X_REAL_IP", "").strip()
        if real:
            return real
    return meta.get("REMOTE_ADDR") or None
