"""Files sent with a notification, rebuilt from their source at every attempt.

A notification names its files by a reference (``"monthly_report:42"``), never by their
bytes: a delivery retried an hour later rebuilds them from the same frozen source, so
nothing is lost with a restarted worker and nothing large sits in the queue. The app that
owns the source registers a builder in its ``ready()``::

    attachments.register("monthly_report", build_report_files)

The notify app never imports the source's app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str
    # Telegram gets the readable document only (the PDF); e-mail gets everything.
    telegram: bool = True

    @property
    def size(self) -> int:
        return len(self.content)


class AttachmentGone(Exception):
    """The source no longer exists (e.g. the archive row was deleted): send the link only."""


class AttachmentError(Exception):
    """The files could not be built this time; the delivery is retried like any failure."""


Builder = Callable[[str], list[Attachment]]
_BUILDERS: dict[str, Builder] = {}


def register(source: str, builder: Builder) -> None:
    _BUILDERS[source] = builder


def ref(source: str, key: object) -> str:
    """The reference stored on a notification."""
    return f"{source}:{key}"


def build(reference: str) -> list[Attachment]:
    source, _, key = reference.partition(":")
    builder = _BUILDERS.get(source)
    if builder is None:
        raise AttachmentGone(f"нет источника вложений «{source}»")
    try:
        return builder(key)
    except AttachmentGone:
        raise
    except Exception as exc:  # a rendering failure must not stop the other deliveries
        raise AttachmentError(f"не удалось подготовить вложение: {type(exc).__name__}: {exc}") from exc


# --- names and sizes ------------------------------------------------------------------------

_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split()
# ъ and ь are dropped ("_" above), as in passports' transliteration.
_TRANSLIT = {ru: ("" if la == "_" else la) for ru, la in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN, strict=True)}


def ascii_name(*parts: str, ext: str) -> str:
    """A safe file name from Russian parts: ``ascii_name("нарушения", "2026-10", "Георгиевск", ext="pdf")``
    → ``narusheniya-2026-10-georgievsk.pdf`` (lower case, ``a-z0-9-`` only)."""
    words = []
    for part in parts:
        latin = "".join(_TRANSLIT.get(ch, ch) for ch in part.lower().replace("ия", "iya"))
        word = re.sub(r"[^a-z0-9]+", "-", latin.replace("-", " ").replace("_", " ")).strip("-")
        if word:
            words.append(word)
    return "-".join(words or ["file"]) + "." + ext


def human_size(size: int) -> str:
    """``12,4 МБ``, ``85 КБ`` — for the text people read."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")
    return f"{max(1, round(size / 1024))} КБ"
