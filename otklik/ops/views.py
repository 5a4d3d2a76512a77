"""/metrics (Prometheus) and attachments. /healthz and /readyz are answered by RequestContextMiddleware."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST

from otklik.cases.access import allowed_actions, is_visible
from otklik.cases.models import Case
from otklik.files import attachments
from otklik.ops import metrics


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token and getattr(settings, "PRODUCTION", False):
        # A production install never serves its metrics to whoever asks (issue 19).
        return HttpResponse("В промышленном режиме /metrics доступен только с METRICS_TOKEN.\n", status=403)
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Нужен токен: Authorization: Bearer <METRICS_TOKEN>\n", status=401)
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)


# Who may add files to a case: the people writing its answer (§11, §20) or a co-executor's part (§18).
UPLOAD_ACTIONS = frozenset({"submit_draft", "submit_info"})


def _json(payload: dict, status: int) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def attachment_upload(request: HttpRequest) -> JsonResponse:
    """Upload one file (field ``file``) to a case (field ``case``): checked, cleaned, stored.

    Only for someone who may now write the case's answer or a co-executor's part; answers
    the attachment dict to pass along with the draft.
    """
    case_id = request.POST.get("case", "")
    case = Case.objects.filter(pk=int(case_id)).first() if case_id.isdigit() else None
    # The case's assignments once, for both checks (each would load them again).
    assignments = list(case.assignments.all()) if case is not None else []
    if case is None or not is_visible(request.user, case, assignments=assignments):
        return _json({"error": "Обращение не найдено (поле case)."}, 404)
    if not UPLOAD_ACTIONS & allowed_actions(request.user, case, assignments=assignments):
        return _json({"error": "Прикладывать файлы к этому обращению сейчас нельзя."}, 403)
    upload = request.FILES.get("file")
    if upload is None:
        return _json({"error": "Файл не передан (поле file)."}, 400)
    try:
        clean = attachments.validate_upload(upload)
    except attachments.AttachmentRejected as exc:
        return _json({"error": str(exc)}, 413 if exc.too_large else 400)
    return _json(attachments.store(clean, case=case, uploaded_by=request.user), 201)


@login_required
@require_GET
def attachment_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """A stored file — only to people who may see its case (404 for everybody else)."""
    return attachments.serve(name, request.user, request.headers.get("If-None-Match", ""))
