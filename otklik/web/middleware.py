"""Security headers on every response: a strict Content-Security-Policy.

Messages come from the public internet and are shown to officials; escaping is the
first wall, this is the second. No inline scripts anywhere in our templates.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Photos of collected messages are copied by the worker (connectors/images.py): no
        # third-party image is ever loaded, so nobody learns who opened a case and when.
        "img-src 'self' data:",
        "media-src 'self' https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API docs page (Swagger UI) loads its own assets; it gets a slightly looser policy.
CSP_API_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            is_docs = request.path.startswith("/api/v1/docs") or request.path.startswith("/admin/")
            response["Content-Security-Policy"] = CSP_API_DOCS if is_docs else CSP
        response.setdefault("Referrer-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
