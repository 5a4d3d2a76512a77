"""/metrics (Prometheus) and attachments. /healthz and /readyz are answered by RequestContextMiddleware."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST

from otklik.ops import attachments, metrics


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Нужен токен: Authorization: Bearer <METRICS_TOKEN>\n", status=401)
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)


@login_required
@require_POST
def attachment_upload(request: HttpRequest) -> JsonResponse:
    """Upload one file (field ``file``): checked, cleaned, stored; answers the attachment dict."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "Файл не передан (поле file)."}, status=400)
    limit = attachments._max_bytes()
    if upload.size and upload.size > limit:
        message = f"Файл слишком большой: допускается не более {limit / 1048576:.0f} МБ."
        return JsonResponse({"error": message}, status=413, json_dumps_params={"ensure_ascii": False})
    try:
        clean = attachments.validate(upload.read(limit + 1), upload.name or "")
    except attachments.AttachmentRejected as exc:
        status = 413 if "слишком большой" in str(exc) else 400
        return JsonResponse({"error": str(exc)}, status=status, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(attachments.store(clean), status=201, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def attachment_file(request: HttpRequest, name: str) -> FileResponse:
    return attachments.serve(name)
