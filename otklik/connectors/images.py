"""Photos of collected messages, shown through the application (issue 19).

A photo attached to a collected or pushed message points at whoever hosts it; showing it
with ``<img src>`` would tell that host who opened the case and when. So, when a message is
registered, the job runner fetches each photo once, checks and re-encodes it like an upload
(``ops.attachments.validate``: type sniffed, metadata dropped) and stores it for the case; the
post's attachment then points at our copy (``/files/…``, served only to people who may see
the case) and keeps the original address as ``source_url``, shown as a plain link.

Only public http(s) addresses are fetched (no redirects; loopback, private, link-local and
reserved addresses are refused unless ``OTKLIK_IMAGE_FETCH_PRIVATE`` is set, for tests and
demos), with the upload size limit and a short timeout.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

log = logging.getLogger(__name__)
TIMEOUT = 10.0


class ImageRefused(Exception):
    pass


def on_post_registered(payload: dict[str, Any]) -> None:
    post_id = payload.get("post_id")
    if post_id and getattr(settings, "OTKLIK_IMAGE_FETCH", True):
        copy_post_images(int(post_id))


def copy_post_images(post_id: int) -> int:
    """Copy the post's external photos into the case's stored files; returns how many."""
    from otklik.cases.models import Post
    from otklik.files import attachments

    post = Post.objects.select_related("case").filter(pk=post_id).first()
    if post is None or post.case is None:
        return 0
    items = list(post.attachments or [])
    copied = 0
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") != "photo":
            continue
        url = str(item.get("url") or "")
        if attachments.stored_name(url) is not None:
            continue
        try:
            clean = attachments.validate(fetch(url), str(item.get("name") or "photo"))
            if not clean.content_type.startswith("image/"):
                raise ImageRefused(clean.content_type)
        except (ImageRefused, attachments.AttachmentRejected, httpx.HTTPError, ValueError, OSError) as exc:
            log.info("post %s: photo %d not copied: %s", post.pk, i, type(exc).__name__)
            continue
        stored = attachments.store(clean, case=post.case, uploaded_by=None)
        items[i] = {**stored, "type": "photo", "name": str(item.get("name") or ""), "source_url": url}
        copied += 1
    if copied:
        Post.objects.filter(pk=post.pk).update(attachments=items)
    return copied


def _public(host: str, port: int) -> None:
    if getattr(settings, "OTKLIK_IMAGE_FETCH_PRIVATE", False):
        return
    for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ImageRefused(f"not a public address: {address}")


def fetch(url: str) -> bytes:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ImageRefused("not an http(s) address")
    _public(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    limit = int(getattr(settings, "OTKLIK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, headers={"User-Agent": "Otklik/1.0"}) as client:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise ImageRefused(f"HTTP {response.status_code}")
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > limit:
                    raise ImageRefused("too large")
    return bytes(data)
