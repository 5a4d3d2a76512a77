"""Exchange with a regional centre: messages pushed in, cases and outcomes exported out.

Push is idempotent on (network, source_key): sending the same message again returns the
case it already has and changes nothing. Pushed messages are detected at once (status
«Новое», the §9.2 routing clock starts), like manual entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any, Literal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from otklik.api.auth import ApiRequest
from otklik.api.errors import ApiError, ErrorOut
from otklik.api.schemas import PushedOut, PushIn, PushMessageIn, PushOut
from otklik.api.scope import cases_for, municipality_for
from otklik.cases import params
from otklik.cases.actions import do_register_posts
from otklik.cases.errors import RegisteredElsewhere
from otklik.cases.models import Assignment, Post, Publication
from otklik.connectors.base import Attachment, IncomingMessage
from otklik.directory.models import Municipality, OfficialAccount
from otklik.reports.spreadsheet import formula_safe

router = Router(tags=["Обмен с ЦУР"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 429: ErrorOut}


def _incoming(municipality: Municipality, m: PushMessageIn) -> Any:
    account = None
    if m.account is not None:
        account = OfficialAccount.objects.filter(pk=m.account, organization__municipality=municipality).first()
        if account is None:
            raise ApiError(400, "validation_failed", f"Официальный аккаунт {m.account} не найден в муниципалитете.")
    return IncomingMessage(
        network=m.network,
        source_key=m.source_key,
        text=m.text,
        published_at=m.published_at,
        url=m.url,
        author_id=m.author_id,
        author_name=m.author_name,
        author_url=m.author_url,
        attachments=[Attachment(type=a.type, url=a.url, name=a.name) for a in m.attachments],
        parent_key=m.parent_key,
        account=account,
        raw=m.raw,
    )


def _register(municipality: Municipality, messages: list[PushMessageIn], acting_user: Any) -> list[dict]:
    keys = [(m.network, m.source_key) for m in messages]
    if len(set(keys)) != len(keys):
        raise ApiError(400, "validation_failed", "В пакете повторяются сообщения (одинаковые network и source_key).")
    incomings = [_incoming(municipality, m) for m in messages]
    existing = set(
        Post.objects.filter(network__in={k[0] for k in keys}, source_key__in={k[1] for k in keys}).values_list(
            "network", "source_key"
        )
    )
    try:
        cases = do_register_posts(municipality, incomings, detected=True, acting_user=acting_user)
    except RegisteredElsewhere as exc:  # intake refuses another tenant's message; the API says so with 409
        raise ApiError(409, "conflict", exc.message) from None
    return [
        {
            "network": m.network,
            "source_key": m.source_key,
            "case_id": c.pk,
            "status": c.status,
            "created": (m.network, m.source_key) not in existing,
        }
        for m, c in zip(messages, cases, strict=True)
    ]


@router.post("/push/messages", response={200: PushOut, **ERRORS}, summary="Передать сообщения (ЦУР, мониторинг)")
def push_messages(request: ApiRequest, payload: PushIn) -> dict:
    """Сервисный токен с правом `push` передаёт до 500 сообщений в свой муниципалитет.

    Поля — как у `IncomingMessage`. Повторная передача того же сообщения (та же соцсеть и `source_key`)
    ничего не меняет и возвращает его обращение (`created: false`). Новые сообщения сразу получают
    статус «Новое»: запускается срок направления исполнителю (п. 9.2).
    """
    service = request.auth.require_service("push")
    return {"results": _register(service.municipality, payload.messages, None)}


@router.post(
    "/municipalities/{slug}/messages",
    response={200: PushedOut, **ERRORS},
    summary="Ввести сообщение вручную",
)
def manual_entry(request: ApiRequest, slug: str, payload: PushMessageIn) -> dict:
    """Ответственный специалист или координатор вносит сообщение вручную (ссылка и текст); оно сразу «Новое»."""
    user = request.auth.require_user()
    municipality = municipality_for(request.auth, slug)
    return _register(municipality, [payload], user)[0]


class ExportQuery(Schema):
    date_from: dt.date = Field(..., description="Начало периода (дата создания обращения)")
    date_to: dt.date = Field(..., description="Конец периода включительно")
    format: Literal["jsonl", "csv"] = Field("jsonl", description="JSON Lines или CSV (UTF-8, разделитель «;»)")


EXPORT_FIELDS = [
    "id",
    "municipality",
    "status",
    "network",
    "source_key",
    "url",
    "author_name",
    "text",
    "published_at",
    "created_at",
    "detected_at",
    "routed_at",
    "answered_at",
    "closed_at",
    "topic",
    "lead_organization",
    "organizations",
    "is_significant",
    "excluded_reason",
    "dismissed_reason",
    "repeat_of",
    "answer_url",
    "answer_published_at",
]
CHUNK = 1000


def _export_rows(qs: Any) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        chunk = list(
            qs.filter(pk__gt=last).select_related("primary_post", "topic", "municipality").order_by("pk")[:CHUNK]
        )
        if not chunk:
            return
        ids = [c.pk for c in chunk]
        orgs: dict[int, list[tuple[str, str]]] = {}
        for case_id, role, name in (
            Assignment.objects.filter(case_id__in=ids, is_active=True)
            .order_by("pk")
            .values_list("case_id", "role", "organization__short_name")
        ):
            orgs.setdefault(case_id, []).append((role, name))
        answers: dict[int, tuple[str, Any]] = {}
        for case_id, url, published_at in (
            Publication.objects.filter(case_id__in=ids, status=Publication.PubStatus.PUBLISHED)
            .order_by("published_at", "pk")
            .values_list("case_id", "url", "published_at")
        ):
            answers[case_id] = (url, published_at)  # the latest published answer wins
        for c in chunk:
            post = c.primary_post
            mine = orgs.get(c.pk, [])
            answer = answers.get(c.pk, ("", None))
            yield {
                "id": c.pk,
                "municipality": c.municipality.slug,
                "status": c.status,
                "network": post.network if post else "",
                "source_key": post.source_key if post else "",
                "url": post.url if post else "",
                "author_name": post.author_name if post else "",
                "text": post.text if post else "",
                "published_at": post.published_at if post else None,
                "created_at": c.created_at,
                "detected_at": c.detected_at,
                "routed_at": c.routed_at,
                "answered_at": c.answered_at,
                "closed_at": c.closed_at,
                "topic": c.topic.name if c.topic else "",
                "lead_organization": next((n for r, n in mine if r in ("lead", "sole")), ""),
                "organizations": [n for _, n in mine],
                "is_significant": c.is_significant,
                "excluded_reason": c.excluded_reason,
                "dismissed_reason": c.dismissed_reason,
                "repeat_of": c.repeat_of_id,
                "answer_url": answer[0],
                "answer_published_at": answer[1],
            }
        last = chunk[-1].pk


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(EXPORT_FIELDS)
    yield "\ufeff" + buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        values = []
        for name in EXPORT_FIELDS:
            v = row[name]
            if isinstance(v, dt.datetime):
                v = v.isoformat()
            elif isinstance(v, list):
                v = ", ".join(v)
            elif v is None:
                v = ""
            values.append(_csv_safe(str(v)))
        writer.writerow(values)
        yield buf.getvalue()


def _csv_safe(value: str) -> str:
    return formula_safe(value)  # texts come from the public internet


def _jsonl_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        line = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
        # Valid JSON either way, but U+2028/U+2029 end a line for JavaScript and some readers.
        yield line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


@router.get(
    "/export/cases",
    response={200: None, **ERRORS},
    summary="Выгрузка обращений и результатов за период",
    openapi_extra={
        "responses": {
            "200": {
                "description": "Поток JSON Lines или CSV",
                "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        }
    },
)
def export_cases(request: ApiRequest, q: Query[ExportQuery]) -> StreamingHttpResponse:
    """Обращения, созданные в периоде, с исполнителями и ссылкой на размещённый ответ.

    Сервисный токен с правом `export` получает обращения своего муниципалитета; пользователь — видимые ему.
    """
    params.check_period(q.date_from, q.date_to, max_days=366)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(q.date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(q.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = cases_for(request.auth, permission="export").filter(created_at__gte=start, created_at__lt=end)
    rows = _export_rows(qs)
    name = f"otklik-cases-{q.date_from:%Y%m%d}-{q.date_to:%Y%m%d}"
    if q.format == "csv":
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = StreamingHttpResponse(_jsonl_lines(rows), content_type="application/x-ndjson; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.jsonl"'
    return response
