"""/metrics (Prometheus). /healthz and /readyz are answered by RequestContextMiddleware."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from otklik.ops import metrics


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Нужен токен: Authorization: Bearer <METRICS_TOKEN>\n", status=401)
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
