"""Uploaded attachments: checked by content, never trusted by name.

``validate(data, filename)`` returns a :class:`CleanFile` or raises :class:`AttachmentRejected`
with a message for people (Russian):

- size: more than ``OTKLIK_ATTACHMENT_MAX_BYTES`` is refused before anything else;
- type: sniffed from the bytes (JPEG, PNG, GIF, WebP, PDF, MP4/MOV, WebM, DOCX/XLSX/ODT,
  plain text); the extension is ours, taken from the detected type, not the uploader's;
- SVG and HTML are refused (they can carry scripts);
- polyglots are refused: markup or script markers inside a binary file, a second container
  (ZIP, PDF, HTML) hidden in an image or a PDF, a PDF not starting at byte 0, PDFs with
  JavaScript or launch actions;
- images are decoded and re-encoded by Pillow (size limits against decompression bombs,
  EXIF orientation applied, then every metadata block — EXIF, GPS, XMP, comments — dropped).

``store(clean, case=..., uploaded_by=...)`` saves under ``attachments/YYYY/MM/<uuid>.<ext>`` in
the default storage, records it as a :class:`~otklik.ops.models.StoredFile` of that case and
returns the attachment dict the cases use (type, url, path, name + content_type, size, sha256);
``serve(name, user)`` answers only people who may see that case (404 for everybody else), with
headers that keep a browser from running anything in it; only images are shown inline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_PIXELS = 40_000_000  # 40 Mpx: any real photo; a decompression bomb is far more
MARKUP_MARKERS = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<svg",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<?php",
    b"<%@",
    b"javascript:",
    b"<body",
    b"onload=",
    b"onerror=",
)
TEXT_MARKUP_MARKERS = (b"<script", b"<html", b"<svg", b"<iframe", b"<?php", b"<!doctype html")
PDF_ACTIVE = (b"/javascript", b"/js ", b"/js(", b"/js<", b"/launch", b"/embeddedfile", b"/richmedia", b"/xfa")


class AttachmentRejected(ValueError):
    """A file we do not accept; ``str(exc)`` is the reason for the person who uploaded it.
    ``too_large``: refused for its size (HTTP 413), not its content."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def _too_large(size: int, limit: int) -> AttachmentRejected:
    return AttachmentRejected(
        f"Файл слишком большой: {size / 1048576:.1f} МБ, допускается не более {limit / 1048576:.0f} МБ.",
        too_large=True,
    )


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    kind: str  # photo | video | document
    name: str  # a safe display name


def _max_bytes() -> int:
    return int(getattr(settings, "OTKLIK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (our allow-list only), or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if _is_text(data):
        lowered = data[:4096].lstrip().lower()
        if lowered.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html")) or b"<svg" in lowered:
            return "image/svg+xml" if b"<svg" in lowered else "text/html"
        return "text/plain"
    return None


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.text":
                    return mimetype
                return None
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if any(n.startswith("xl/") for n in names):
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def _is_text(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            return False
    return True


TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": ("jpg", "photo"),
    "image/png": ("png", "photo"),
    "image/gif": ("gif", "photo"),
    "image/webp": ("webp", "photo"),
    "application/pdf": ("pdf", "document"),
    "video/mp4": ("mp4", "video"),
    "video/quicktime": ("mov", "video"),
    "video/webm": ("webm", "video"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", "document"),
    "application/vnd.oasis.opendocument.text": ("odt", "document"),
    "text/plain": ("txt", "document"),
}


def _polyglot_reason(data: bytes, content_type: str) -> str | None:
    """Why the bytes look like two files at once (or carry active content), else None.

    Binary signatures are matched case-sensitively and only where a second container must
    sit (a ZIP's end record is in its last 64 KiB), so compressed data does not trip them.
    """
    is_video = content_type.startswith("video/")
    lowered = (data[: 1 << 20] + data[-(1 << 20) :] if is_video else data).lower()
    markers = MARKUP_MARKERS if content_type != "text/plain" else TEXT_MARKUP_MARKERS
    for marker in markers:
        if marker in lowered:
            if content_type == "text/plain":
                return "текстовый файл содержит разметку веб-страницы или сценарий"
            return f"внутри файла найден фрагмент веб-страницы или сценария ({marker.decode()})"
    if content_type != "application/pdf" and b"%PDF-" in data[:1024]:
        return "в начало файла вложен документ PDF"
    if (content_type.startswith("image/") or content_type == "application/pdf") and b"PK\x05\x06" in data[
        -(65536 + 22) :
    ]:
        return "в файл вложен архив"
    if content_type == "application/pdf":
        for marker in PDF_ACTIVE:
            if marker in lowered:
                return "документ PDF содержит активное содержимое (сценарии, запуск программ или вложенные файлы)"
    return None


def _reencode_image(data: bytes, content_type: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img: Image.Image = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_IMAGE_PIXELS:
            raise AttachmentRejected("Изображение слишком большое по числу точек.")
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentRejected("Изображение слишком большое по числу точек.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise AttachmentRejected("Файл повреждён или не является изображением.") from None
    out = io.BytesIO()
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}[content_type]
    if fmt == "GIF":
        # Frames are copied pixel by pixel: comments and application extensions stay behind.
        frames = []
        for i in range(getattr(img, "n_frames", 1)):
            img.seek(i)
            frames.append(img.convert("RGBA"))
        frames[0].save(out, "GIF", save_all=len(frames) > 1, append_images=frames[1:], loop=0, disposal=2)
        return out.getvalue()
    img = ImageOps.exif_transpose(img)
    # A fresh image from the pixels alone: no EXIF, GPS, XMP, ICC or text chunks survive.
    if fmt == "JPEG":
        clean = Image.new("RGB", img.size)
        clean.paste(img.convert("RGB"))
        clean.save(out, "JPEG", quality=88, optimize=True)
    else:
        mode = "RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB"
        clean = Image.new(mode, img.size)
        clean.paste(img.convert(mode))
        clean.save(out, fmt, **({"optimize": True} if fmt == "PNG" else {"quality": 88}))
    return out.getvalue()


_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def safe_name(filename: str, extension: str) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE_NAME.sub("_", stem).strip(" ._")[:100] or "file"
    return f"{stem}.{extension}"


def validate(data: bytes, filename: str = "") -> CleanFile:
    limit = _max_bytes()
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if not data:
        raise AttachmentRejected("Файл пустой.")
    content_type = sniff(data)
    if content_type == "image/svg+xml":
        raise AttachmentRejected("Изображения SVG не принимаются: они могут содержать сценарии. Сохраните как PNG.")
    if content_type is None or content_type not in TYPES:
        raise AttachmentRejected(
            "Такой тип файла не принимается. Допустимы фото (JPEG, PNG, GIF, WebP), видео (MP4, MOV, WebM), "
            "документы (PDF, DOCX, XLSX, ODT, TXT)."
        )
    reason = _polyglot_reason(data, content_type)
    if reason:
        raise AttachmentRejected(f"Файл отклонён: {reason}.")
    if content_type.startswith("image/"):
        data = _reencode_image(data, content_type)
    extension, kind = TYPES[content_type]
    return CleanFile(data, content_type, extension, kind, safe_name(filename, extension))


def validate_upload(upload: Any) -> CleanFile:
    """:func:`validate` for a Django upload: one announcing more than the limit is refused by its
    size without being read; otherwise at most limit + 1 bytes are read."""
    limit = _max_bytes()
    if upload.size and upload.size > limit:
        raise _too_large(upload.size, limit)
    return validate(upload.read(limit + 1), upload.name or "")


STORED_NAME = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.([a-z0-9]{2,5})$")
FILES_URL = "/files/"
STORAGE_DIR = "attachments/"


def storage_path(name: str) -> str:
    """Where a stored file lives in the default storage (what publishing reads)."""
    return f"{STORAGE_DIR}{name}"


def stored_name(url: object) -> str | None:
    """The stored-file name in an attachment URL (``/files/YYYY/MM/<hex>.<ext>``); None for any
    other URL. The one reader of the URLs :func:`attachment_of` writes."""
    text = str(url or "")
    if not text.startswith(FILES_URL) or not STORED_NAME.match(text[len(FILES_URL) :]):
        return None
    return text[len(FILES_URL) :]


# Shown in the browser: images only. Everything else is a download — a PDF or a video never
# renders inside our origin (the sandboxing CSP below would also stop Chromium's PDF viewer);
# <img>/<video> tags on the case page load files whatever their disposition.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def store(clean: CleanFile, *, case: Any, uploaded_by: Any) -> dict[str, object]:
    """Save a checked file for ``case``; returns the attachment dict drafts and publishing use.

    The file is bound to the case from the start (a :class:`StoredFile` row): :func:`serve`
    answers only people who may see that case.
    """
    from otklik.ops.models import StoredFile

    now = timezone.now()
    path = storage_path(f"{now:%Y/%m}/{uuid.uuid4().hex}.{clean.extension}")
    saved = default_storage.save(path, ContentFile(clean.content))
    row = StoredFile.objects.create(
        name=saved.removeprefix(STORAGE_DIR),
        case=case,
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
        uploaded_at=now,
        display_name=clean.name,
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=hashlib.sha256(clean.content).hexdigest(),
    )
    return attachment_of(row)


def attachment_of(row: Any) -> dict[str, object]:
    """The attachment dict of a stored file (``cases._common.attachments_list`` keeps it whole)."""
    return {
        "type": TYPES.get(row.content_type, ("", "document"))[1],
        "url": f"{FILES_URL}{row.name}",
        # The storage path: what connectors.publish reads to post the file to a network.
        "path": storage_path(row.name),
        "name": row.display_name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
    }


def discard(items: Iterable[dict[str, object]]) -> None:
    """Remove files stored for an action that then failed (nothing refers to them)."""
    from otklik.ops.models import StoredFile

    for item in items:
        name = stored_name(item.get("url"))
        if name is not None:
            StoredFile.objects.filter(name=name).delete()
            default_storage.delete(storage_path(name))


def remove_orphans(now: Any = None, *, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Files uploaded to a case more than a day ago that no draft, co-executor's part or post
    of that case refers to (an upload the person never sent): removed with their rows."""
    from otklik.cases.models import Assignment, Draft, Post
    from otklik.ops.models import StoredFile

    now = now or timezone.now()
    removed = 0
    candidates = StoredFile.objects.filter(uploaded_at__lt=now - older_than).order_by("case_id")
    by_case: dict[int, list[Any]] = {}
    for row in candidates.iterator(chunk_size=500):
        by_case.setdefault(row.case_id, []).append(row)
    for case_id, rows in by_case.items():
        used: set[str] = set()
        lists = [
            *Draft.objects.filter(case_id=case_id).values_list("attachments", flat=True),
            *Assignment.objects.filter(case_id=case_id).values_list("info_attachments", flat=True),
            *Post.objects.filter(case_id=case_id).values_list("attachments", flat=True),
        ]
        for items in lists:
            for item in items or ():
                name = stored_name(item.get("url")) if isinstance(item, dict) else None
                if name is not None:
                    used.add(name)
        for row in rows:
            if row.name not in used:
                StoredFile.objects.filter(pk=row.pk).delete()
                default_storage.delete(storage_path(row.name))
                removed += 1
    return removed


@contextmanager
def stored_for(case: Any, user: Any, files: Iterable[CleanFile]) -> Iterator[list[dict[str, object]]]:
    """Store ``files`` for ``case`` around an action: if the action raises, they are removed again."""
    stored = [store(clean, case=case, uploaded_by=user) for clean in files]
    try:
        yield stored
    except BaseException:
        discard(stored)
        raise


def serve(name: str, user: Any, if_none_match: str = "") -> HttpResponseBase:
    """A stored attachment, only for people who may see its case, with headers that stop sniffing,
    scripts and framing. Anything else — unknown name, no case, a case the user may not see — is 404."""
    from otklik.cases.access import is_visible
    from otklik.ops.models import StoredFile

    m = STORED_NAME.match(name)
    if not m:
        raise Http404
    row = StoredFile.objects.select_related("case").filter(name=name).first()
    if row is None or not is_visible(user, row.case):
        raise Http404
    content_type = next((ct for ct, (e, _k) in TYPES.items() if e == m.group(1)), None)
    path = storage_path(name)
    if content_type is None or not default_storage.exists(path):
        raise Http404
    etag = f'"{row.sha256}"' if row.sha256 else ""
    if etag and etag in {t.strip() for t in if_none_match.split(",")}:
        # The file never changes under its name; the browser's copy is still good — and the
        # access check above ran again, so a person who lost access gets 404, not 304.
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        apply_safe_headers(not_modified)
        return not_modified
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=row.display_name or name.rsplit("/", 1)[-1],
    )
    if etag:
        response["ETag"] = etag
    apply_safe_headers(response)
    return response


def apply_safe_headers(response: HttpResponseBase) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["X-Frame-Options"] = "DENY"
    # Private: a shared cache must never hand one person's case files to another. no-cache: the
    # browser asks every time (a cheap 304 by ETag), so losing access to the case takes effect at once.
    response["Cache-Control"] = "private, no-cache"
