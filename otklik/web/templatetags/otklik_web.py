"""Template helpers for network-sourced content: URLs are checked, never trusted."""

from __future__ import annotations

from typing import Any

from django import template

from otklik.directory.models import Network
from otklik.files.attachments import stored_name
from otklik.regulation.stages import abuse_label as label
from otklik.web.forms import safe_http_url

register = template.Library()


@register.filter
def http_url(value: Any) -> str:
    """The URL if it is an absolute http(s) URL, else "" (javascript:, data: and the like are dropped)."""
    text = str(value or "").strip()
    return text if safe_http_url(text) else ""


@register.filter
def abuse_label(value: str) -> str:
    """§22 category code → its Russian name."""

    return label(str(value))


@register.filter
def network_label(value: str) -> str:
    try:
        return str(Network(value).label)
    except ValueError:
        return value


@register.inclusion_tag("web/parts/deadline.html")
def deadline_badge(view: Any) -> dict[str, Any]:
    return {"d": view}


@register.inclusion_tag("web/parts/attachments.html")
def attachments(items: Any) -> dict[str, Any]:
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        url = str(item.get("url") or "")
        # Our own uploaded files are relative (/files/…); served only to people who may see the case.
        stored = stored_name(url) is not None
        size = item.get("size") if stored else None
        out.append(
            {
                "type": str(item.get("type") or ""),
                "name": str(item.get("name") or "") or url.rsplit("/", 1)[-1] or "вложение",
                "url": url if stored or safe_http_url(url) else "",
                "size": f"{int(size) / 1048576:.1f} МБ" if isinstance(size, int) else "",
                "stored": stored,  # only our own copies are shown as images (no third-party beacons)
            }
        )
    return {"items": out}
