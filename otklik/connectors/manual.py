"""Manual entry: a specialist pastes a link and the text; network and ids come from the link."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

VK_WALL = re.compile(r"wall(-?\d+)_(\d+)")
OK_TOPIC = re.compile(r"/group/(\d+)/topic/(\d+)")


@dataclass(frozen=True)
class ParsedLink:
    network: str
    source_key: str
    parent_key: str = ""


def parse_link(url: str) -> ParsedLink:
    """Network and source key from a link, matching the keys the connectors collect."""
    url = (url or "").strip()
    if not url:
        return ParsedLink("other", f"manual:{uuid.uuid4()}")
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    query = parse_qs(parts.query)
    if host in ("vk.com", "vk.ru", "vkontakte.ru"):
        match = VK_WALL.search(parts.path) or VK_WALL.search(" ".join(query.get("w", [])))
        if match:
            owner, post = match[1], match[2]
            reply = (query.get("reply") or [""])[0]
            if reply.isdigit():
                return ParsedLink("vk", f"wall{owner}_{post}_{reply}", f"wall{owner}_{post}")
            return ParsedLink("vk", f"wall{owner}_{post}")
        return ParsedLink("vk", f"url:{host}{parts.path}".rstrip("/"))
    if host in ("ok.ru", "odnoklassniki.ru"):
        match = OK_TOPIC.search(parts.path)
        if match:
            return ParsedLink("ok", f"topic{match[1]}_{match[2]}")
        return ParsedLink("ok", f"url:{host}{parts.path}".rstrip("/"))
    if host in ("t.me", "telegram.me"):
        segments = [s for s in parts.path.split("/") if s]
        comment = (query.get("comment") or [""])[0]
        if len(segments) == 3 and segments[0] == "c" and segments[2].isdigit():
            return ParsedLink("telegram", f"-100{segments[1]}/{segments[2]}")
        if len(segments) == 2 and segments[1].isdigit():
            if comment.isdigit():
                return ParsedLink(
                    "telegram",
                    f"@{segments[0].lower()}/{segments[1]}?comment={comment}",
                    f"@{segments[0].lower()}/{segments[1]}",
                )
            return ParsedLink("telegram", f"@{segments[0].lower()}/{segments[1]}")
        return ParsedLink("telegram", f"url:{host}{parts.path}".rstrip("/"))
    if host in ("max.ru", "web.max.ru"):
        return ParsedLink("max", f"url:{host}{parts.path}{'?' + parts.query if parts.query else ''}")
    return ParsedLink("other", f"url:{host}{parts.path}{'?' + parts.query if parts.query else ''}"[:255])
