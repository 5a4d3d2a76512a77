"""Dashboard figures and the §23 monthly violations report (JSON, XLSX, PDF).

The figures and documents come from ``otklik/reports`` (queries, exports, services): this
module only picks the municipality the caller may read and shapes the answer.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, Literal

from django.db.models import Model
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from otklik.api.auth import ApiRequest, Principal
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.scope import municipality_for
from otklik.cases import params
from otklik.directory.models import Municipality, Organization
from otklik.reports import exports, queries, services
from otklik.reports.models import ReportDocument
from otklik.reports.queries import reportable_municipalities

router = Router(tags=["Отчёты"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # for the OpenAPI document


def _reports_municipality(principal: Principal, slug: str) -> Municipality:
    """A municipality whose reports the caller may read: the reports app's rule for people
    (coordinator, head, observer), the ``export`` permission for service tokens."""
    if principal.service is not None:
        service = principal.require_service("export")
        if service.municipality.slug != slug:
            raise ApiError(404, "not_found", "Муниципалитет не найден или недоступен.")
        return service.municipality
    municipality = municipality_for(principal, slug)  # 404 when not even visible

    if not reportable_municipalities(principal.user).filter(pk=municipality.pk).exists():
        raise ApiError(403, "forbidden", "Отчёты и показатели доступны координатору, главе и наблюдателю.")
    return municipality


def _plain(value: Any) -> Any:
    """Dashboard data as JSON: cases and other rows become small objects, durations seconds."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Model):
        out: dict[str, Any] = {"id": value.pk, "name": str(value)}
        if hasattr(value, "get_absolute_url"):
            out["url"] = value.get_absolute_url()
        if hasattr(value, "status"):
            out["status"] = value.status
        return out
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class DashboardQuery(Schema):
    start: dt.date | None = Field(None, description="Начало периода (по умолчанию — первое число месяца)")
    end: dt.date | None = Field(None, description="Конец периода включительно (по умолчанию — сегодня)")
    organization: int | None = Field(None, description="Только обращения этой организации")


@router.get("/municipalities/{slug}/dashboard", response={200: dict[str, Any], **ERRORS}, summary="Показатели")
def dashboard(request: ApiRequest, slug: str, q: Query[DashboardQuery]) -> dict:
    """Поступило, направлено, отвечено, исключено, просрочено сейчас; доля в срок по этапам и
    организациям, медиана времени до первого ответа (рабочее время), темы, соцсети, недели,
    самые медленные организации, социально значимые за 7 дней — как на странице /dashboard/."""
    municipality = _reports_municipality(request.auth, slug)
    tz = municipality.tzinfo
    today = timezone.localtime(timezone.now(), tz).date()
    start_day = q.start or today.replace(day=1)
    end_day = q.end or today
    params.check_period(start_day, end_day, max_days=400)
    organization = None
    if q.organization is not None:
        organization = Organization.objects.filter(pk=q.organization, municipality=municipality).first()
        if organization is None:
            raise ApiError(400, "validation_failed", "Организация не найдена в этом муниципалитете.")
    filters = queries.Filters(
        [municipality],
        dt.datetime.combine(start_day, dt.time(), tzinfo=tz),
        dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=tz),
        organization,
    )
    data = queries.dashboard(filters)
    return {
        "municipality": municipality.slug,
        "start": start_day.isoformat(),
        "end": end_day.isoformat(),
        "organization": organization.pk if organization else None,
        **_plain(data),
    }


class ReportQuery(Schema):
    format: Literal["json", "xlsx", "pdf"] = Field("json", description="json, xlsx или pdf (официальный документ)")
    live: bool = Field(False, description="Пересчитать сейчас, даже если отчёт месяца уже сформирован и заархивирован")


class DocumentOut(Schema):
    document: int = Field(description="Номер документа: его готовность и сам PDF — по ссылке url")
    state: str = Field(description="queued, running, ready или failed")
    progress: int = Field(description="Готовность, %")
    step: str = Field(description="Текущий шаг")
    url: str


def _document_out(slug: str, doc: Any) -> DocumentOut:
    return DocumentOut(
        document=doc.pk,
        state=doc.state,
        progress=doc.progress,
        step=doc.step,
        url=f"/api/v1/municipalities/{slug}/reports/documents/{doc.pk}",
    )


@router.get(
    "/municipalities/{slug}/reports/violations/{month}",
    response={200: dict[str, Any], 202: DocumentOut, **ERRORS},
    summary="Отчёт о нарушениях за месяц (п. 23)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "Отчёт: JSON, XLSX или PDF",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def violations(request: ApiRequest, slug: str, month: str, q: Query[ReportQuery]) -> Any:
    """Каждый срок месяца, выполненный с опозданием или не выполненный, по организациям и исполнителям,
    с пунктом регламента, сроком и затраченным рабочим временем; итоги и доля в срок. `month` — ГГГГ-ММ.
    Сформированный 1-го рабочего дня отчёт берётся из архива (если не указано `live`).
    PDF формирует фоновый обработчик: ответ 202 с номером документа и ссылкой, по которой видна
    готовность и, когда документ готов, отдаётся сам PDF (PDF архивного месяца делается один раз)."""
    year, mon = params.check_month(month)
    municipality = _reports_municipality(request.auth, slug)
    if q.format == "pdf":  # made by the worker, never in the request
        row = None if q.live else services.archived_row(municipality, year, mon)
        doc = services.request_pdf(municipality, year, mon, row, request.auth.user)
        if doc.state == ReportDocument.State.READY:
            return _document_file(doc)
        return Status(202, _document_out(slug, doc))
    report, row = services.month_report(municipality, year, mon, live=bool(q.live))
    archived = row is not None
    if q.format == "xlsx":
        return exports.download(*services.violations_file(municipality, report, row, q.format))
    return {"archived": archived, **report.to_json()}


def _document_file(doc: Any) -> Any:
    content = ReportDocument.objects.values_list("content", flat=True).get(pk=doc.pk)
    return exports.download(bytes(content or b""), exports.PDF, doc.filename)


@router.get(
    "/municipalities/{slug}/reports/documents/{document}",
    response={200: DocumentOut, 202: DocumentOut, **ERRORS},
    summary="Документ отчёта (п. 23): готовность или PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "Готовый PDF (или состояние, если формирование не удалось: state=failed)",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/DocumentOut"}},
                },
            }
        }
    },
)
def report_document(request: ApiRequest, slug: str, document: int) -> Any:
    """PDF отчёта о нарушениях, заказанный запросом с `format=pdf`: пока он формируется — 202 с
    готовностью в процентах; готовый — сам PDF; при ошибке — 200 с `state=failed`."""
    municipality = _reports_municipality(request.auth, slug)
    doc = ReportDocument.objects.defer("content").filter(pk=document, municipality=municipality).first()
    if doc is None:
        raise ApiError(404, "not_found", "Документ не найден.")
    if doc.state == ReportDocument.State.READY:
        return _document_file(doc)
    if doc.state == ReportDocument.State.FAILED:
        return Status(200, _document_out(slug, doc))
    return Status(202, _document_out(slug, doc))
