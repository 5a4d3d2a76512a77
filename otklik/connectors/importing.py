"""File import (CSV, XLSX, JSON — e.g. an export of the regional system).

The upload request only stores the file. A background job (``parse_import``) reads it once
within the row and time caps, checks every row and keeps the result on the ``ImportJob``;
the preview page shows that result however often it is opened. Only a file without errors
can be saved, by a second job (``run_import``) from the stored rows, in one transaction:
all rows or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from otklik.cases.statistics import analyze
from otklik.connectors.base import IncomingMessage
from otklik.connectors.manual import parse_link
from otklik.connectors.models import ImportJob
from otklik.connectors.storage import clean_text, register_messages

log = logging.getLogger(__name__)

MAX_ROWS = 50_000
MAX_SECONDS = 20  # reading a file, in the parse job
PREVIEW_ROWS = 20
PREVIEW_KEPT = dt.timedelta(days=1)  # an unconfirmed preview (its checked rows) is dropped after this
T = TypeVar("T")
COLUMNS = {
    "text": ("text", "текст", "сообщение", "message"),
    "url": ("url", "ссылка", "link"),
    "published_at": ("published_at", "дата", "date", "время", "опубликовано"),
    "author_name": ("author_name", "автор", "author"),
    "author_url": ("author_url", "ссылка на автора"),
    "network": ("network", "соцсеть", "источник"),
    "id": ("id", "external_id", "номер", "ид"),
}
NETWORKS = {
    "vk": "vk",
    "вконтакте": "vk",
    "ok": "ok",
    "одноклассники": "ok",
    "telegram": "telegram",
    "телеграм": "telegram",
    "max": "max",
    "other": "other",
    "другое": "other",
}
DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d",
)


class ImportFileError(Exception):
    """The whole file cannot be read."""


@dataclass
class ParsedFile:
    messages: list[tuple[int, IncomingMessage]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


Progress = Callable[[int], None]


def read_rows(filename: str, content: bytes, progress: Progress | None = None) -> list[dict[str, Any]]:
    name = filename.lower()
    try:
        if name.endswith(".json"):
            data = json.loads(content.decode("utf-8-sig"))
            if isinstance(data, dict):
                data = data.get("items") or data.get("messages") or []
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise ImportFileError('JSON должен быть списком объектов (или {"items": [...]})')
            return data
        if name.endswith(".xlsx"):
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            rows = _capped(sheet.iter_rows(values_only=True) if sheet is not None else iter(()), MAX_ROWS + 1, progress)
            if not rows:
                return []
            header = [str(h or "").strip() for h in rows[0]]
            return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v not in (None, "") for v in r)]
        if name.endswith(".csv"):
            text = content.decode("utf-8-sig")
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
            return _capped(csv.DictReader(io.StringIO(text), dialect=dialect), MAX_ROWS, progress)
    except ImportFileError:
        raise
    except UnicodeDecodeError:
        raise ImportFileError("Файл не в кодировке UTF-8") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's fault
        raise ImportFileError(f"Не удалось прочитать файл: {exc}") from None
    raise ImportFileError("Поддерживаются файлы CSV, XLSX и JSON")


def _capped(rows: Iterable[T], limit: int, progress: Progress | None = None) -> list[T]:
    """Read at most ``limit`` rows (one more means "too many") within ``MAX_SECONDS``: a huge
    file is refused while it is being read, not after all of it was (issue 19 item 9)."""
    started = time.monotonic()
    out: list[T] = []
    for row in rows:
        out.append(row)
        if len(out) > limit:
            raise ImportFileError(f"Слишком много строк: больше {MAX_ROWS} (не более {MAX_ROWS} за раз)")
        if len(out) % 1000 == 0:
            if progress is not None:
                progress(len(out))
            if time.monotonic() - started > MAX_SECONDS:
                raise ImportFileError(f"Файл читается дольше {MAX_SECONDS} с — разделите его на части поменьше.")
    return out


def _get(row: dict[str, Any], column: str) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for name in COLUMNS[column]:
        if name in lowered and lowered[name] not in (None, ""):
            return lowered[name]
    return None


def _date(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time())
    else:
        text = str(value).strip().replace("Z", "+00:00")
        parsed: dt.datetime | None = None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            for fmt in DATE_FORMATS:
                try:
                    parsed = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(f"непонятная дата «{text[:40]}»")
        when = parsed
    if when.tzinfo is None:
        when = timezone.make_aware(when, timezone.get_current_timezone())
    return when


def parse_file(filename: str, content: bytes, progress: Progress | None = None) -> ParsedFile:
    rows = read_rows(filename, content, progress)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Слишком много строк: {len(rows)} (не более {MAX_ROWS} за раз)")
    result = ParsedFile(total=len(rows))
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=2 if not filename.lower().endswith(".json") else 1):
        try:
            text = clean_text(str(_get(row, "text") or "")).strip()
            if not text:
                raise ValueError("нет текста сообщения")
            url = clean_text(str(_get(row, "url") or "")).strip()
            if url and not url.lower().startswith(("http://", "https://")):
                raise ValueError("ссылка должна начинаться с http:// или https://")
            raw_date = _get(row, "published_at")
            if raw_date is None:
                raise ValueError("нет даты публикации")
            published = _date(raw_date)
            link = parse_link(url)
            network_value = str(_get(row, "network") or "").strip().lower()
            network = NETWORKS.get(network_value, link.network) if network_value else link.network
            if network_value and network_value not in NETWORKS:
                raise ValueError(f"неизвестная соцсеть «{network_value[:20]}»")
            key = link.source_key
            external = _get(row, "id")
            if not url:
                if external is None:
                    raise ValueError("нужна ссылка на сообщение или его номер (id)")
                key = f"import:{clean_text(str(external))[:200]}"
            if (network, key) in seen:
                raise ValueError(f"повторяет строку {seen[(network, key)]}")
            seen[(network, key)] = number
            message = IncomingMessage(
                network=network, source_key=key[:255], text=text, published_at=published, url=url[:1000],
                author_name=clean_text(str(_get(row, "author_name") or ""))[:300],
                author_url=clean_text(str(_get(row, "author_url") or ""))[:1000], parent_key=link.parent_key,
                raw={"import_row": number},
            )  # fmt: skip
            result.messages.append((number, message))
        except ValueError as exc:
            result.errors.append({"row": number, "error": str(exc)})
    return result


# ---- the jobs (run by connectors.tasks): parse once, then save the stored rows ----------


def message_to_row(number: int, message: IncomingMessage) -> dict[str, Any]:
    return {
        "row": number, "network": message.network, "source_key": message.source_key, "text": message.text,
        "published_at": message.published_at.isoformat(), "url": message.url, "author_name": message.author_name,
        "author_url": message.author_url, "parent_key": message.parent_key,
    }  # fmt: skip


def row_to_message(row: dict[str, Any]) -> IncomingMessage:
    fields = {k: v for k, v in row.items() if k != "row"}
    fields["published_at"] = dt.datetime.fromisoformat(row["published_at"])
    return IncomingMessage(**fields, raw={"import_row": row["row"]})


def _progress_key(job_id: Any) -> str:
    return f"otklik-import-{job_id}"


def rows_read(job: ImportJob) -> int:
    """Rows the parse job has read so far (shown while the file is being checked)."""
    return int(cache.get(_progress_key(job.pk)) or 0) if job.state == ImportJob.State.PARSING else 0


def import_progress_percent(job: ImportJob) -> int:
    if job.state == ImportJob.State.DONE:
        return 100
    if job.state != ImportJob.State.RUNNING:
        return 0
    done = cache.get(_progress_key(job.pk))
    return int(100 * done / job.total) if done and job.total else 0


def parse_import(job_id: str) -> None:
    """Read and check an uploaded file once; keep the checked rows and the errors, drop the file."""
    job = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PARSING).first()
    if job is None:  # already parsed (a replayed job) or gone
        return
    try:
        parsed = parse_file(job.filename, bytes(job.content), lambda n: cache.set(_progress_key(job_id), n, 3600))
    except Exception as exc:  # noqa: BLE001 - an unreadable file is the file's fault; the reason is shown
        reason = str(exc)
        if not isinstance(exc, ImportFileError):  # a bug, not the file: the details go to the log
            log.exception("import %s: parsing failed", job_id)
            reason = "не удалось проверить файл (ошибка программы записана в журнал)"
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PARSING).update(
            state=ImportJob.State.FAILED, content=b"", message=f"Файл не принят: {reason}"
        )
        return
    rows = [message_to_row(n, m) for n, m in parsed.messages]
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PARSING).update(
        state=ImportJob.State.PREVIEW, content=b"", total=parsed.total, errors=parsed.errors,
        rows=[] if parsed.errors else rows, preview=rows[:PREVIEW_ROWS],
    )  # fmt: skip
    cache.delete(_progress_key(job_id))


def run_import(job_id: str, chunk: int = 500) -> None:
    """Save a previewed file from its checked rows: all rows in one transaction, or nothing."""
    job = ImportJob.objects.get(pk=job_id)
    try:
        if job.errors or job.state != ImportJob.State.RUNNING:
            raise ImportFileError("в файле есть ошибки")
        messages = [row_to_message(row) for row in job.rows]
        created = 0
        with transaction.atomic():
            for i in range(0, len(messages), chunk):
                part = messages[i : i + chunk]
                created += register_messages(job.municipality, part, detected=True, acting_user=job.created_by)
                # Progress goes through the cache: the rows themselves are invisible until commit.
                cache.set(_progress_key(job.pk), i + len(part), 3600)
        analyze()  # a bulk load: the planner learns the new sizes at once
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.DONE, processed=len(messages), created_count=created,
            duplicate_count=len(messages) - created, rows=[],
            message=f"Загружено новых сообщений: {created}, уже были в системе: {len(messages) - created}.",
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - the whole file is rolled back and the reason shown
        log.exception("import %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, message=f"Ничего не загружено: {exc}")


def expire_previews(now: dt.datetime | None = None) -> int:
    """Drop the checked rows of previews nobody confirmed within ``PREVIEW_KEPT`` (and the file
    of a parse that never ran): a citizen's messages are not kept in a forgotten upload."""
    cutoff = (now or timezone.now()) - PREVIEW_KEPT
    return ImportJob.objects.filter(
        created_at__lt=cutoff, state__in=[ImportJob.State.PREVIEW, ImportJob.State.PARSING]
    ).update(
        state=ImportJob.State.FAILED, content=b"", rows=[], preview=[],
        message="Ничего не загружено: предпросмотр не подтвердили за сутки — загрузите файл снова.",
    )  # fmt: skip
