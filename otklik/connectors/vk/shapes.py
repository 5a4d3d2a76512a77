"""VK object shapes shared by the VK connector's parts: dates and attachments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from otklik.connectors.base import Attachment


def when(ts: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(ts or 0), tz=dt.UTC)


def attachments(items: list[dict[str, Any]] | None) -> list[Attachment]:
    result = []
    for item in items or []:
        kind = str(item.get("type") or "")
        value = item.get(kind)
        body: dict[str, Any] = value if isinstance(value, dict) else {}
        if kind == "photo":
            sizes = body.get("sizes") or []
            best = max(sizes, key=lambda s: int(s.get("width") or 0) * int(s.get("height") or 0), default={})
            result.append(Attachment("photo", str(best.get("url") or ""), ""))
        elif kind == "video":
            result.append(
                Attachment(
                    "video",
                    f"https://vk.com/video{body.get('owner_id')}_{body.get('id')}",
                    str(body.get("title") or ""),
                )
            )
        elif kind == "doc":
            result.append(Attachment("doc", str(body.get("url") or ""), str(body.get("title") or "")))
        elif kind == "link":
            result.append(Attachment("link", str(body.get("url") or ""), str(body.get("title") or "")))
        elif kind == "audio":
            result.append(Attachment("audio", "", f"{body.get('artist', '')} — {body.get('title', '')}".strip(" —")))
        else:
            # An attachment type we do not know: keep a trace, never fail the message.
            result.append(Attachment("other", "", kind or "unknown"))
    return result
