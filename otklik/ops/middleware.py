"""Middleware of the ops app.

- :class:`RequestContextMiddleware` (first in the list): answers /healthz and /readyz before
  host checks and sessions (load balancers probe by IP), gives every request an id
  (``X-Request-ID`` from the proxy if sane, else a new one) for logs and the response,
  writes one JSON access-log line and the Prometheus request metrics.
- :class:`SessionIdleTimeoutMiddleware` (after authentication): signs out a user idle for
  longer than ``SESSION_IDLE_TIMEOUT`` seconds.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from otklik.ops import metrics
from otklik.ops.audit import record
from otklik.ops.context import request_id_var, request_var
from otklik.ops.health import readiness
from otklik.ops.models import AuditEntry

access_log = logging.getLogger("otklik.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
HEALTH_PATHS = ("/healthz", "/readyz")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info.rstrip("/") or "/"
        if path in HEALTH_PATHS:
            return self._health(path)
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        # The API sets its own id on the request too; whoever runs first wins, both agree after.
        if not getattr(request, "request_id", None):
            request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request.request_id)  # type: ignore[attr-defined]
        req_token = request_var.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
        finally:
            request_var.reset(req_token)
        elapsed = time.monotonic() - started
        try:
            if "X-Request-ID" not in response:
                response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
            route = self._route(request)
            metrics.observe_request(request.method or "", route, response.status_code, elapsed)
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "user_id": user.pk if user is not None and getattr(user, "is_authenticated", False) else None,
                },
            )
        finally:
            request_id_var.reset(id_token)
        return response

    @staticmethod
    def _route(request: HttpRequest) -> str:
        match = getattr(request, "resolver_match", None)
        if match is None:
            return "<unmatched>"
        return "/" + (match.route or match.view_name or "?")

    @staticmethod
    def _health(path: str) -> HttpResponse:
        if path == "/healthz":
            response: HttpResponse = JsonResponse({"status": "ok"})
        else:
            ok, checks = readiness()
            response = JsonResponse(
                {"status": "ok" if ok else "fail", "checks": checks},
                status=200 if ok else 503,
                json_dumps_params={"ensure_ascii": False},
            )
        response["Cache-Control"] = "no-store"
        return response


class SessionIdleTimeoutMiddleware:
    """Signs out after ``SESSION_IDLE_TIMEOUT`` seconds without a request (0 switches it off)."""

    KEY = "otklik_last_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = getattr(settings, "SESSION_IDLE_TIMEOUT", 0)
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - int(last) > timeout:
                record(AuditEntry.Kind.SESSION_EXPIRED, actor=user, username=user.get_username(), request=request)
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Сеанс истёк: войдите снова."}, status=401)
                return redirect_to_login(request.get_full_path())
            # Write at most once a minute, so a busy page does not save the session on every request.
            if last is None or now - int(last) >= 60:
                request.session[self.KEY] = now
        return self.get_response(request)
