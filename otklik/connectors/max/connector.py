"""MAX: the official bot of an organization (§6; state bodies keep MAX channels since 2025).

What it collects (all through the Bot API, schema 0.0.30):

* messages written to the bot (``chat_type: dialog``);
* messages in group chats where the bot is an administrator (``chat_type: chat``);
* comments under the official channel's posts (``comment_created``), where the API
  exposes them.

Answers go back as the bot's reply to the citizen's message (``POST /messages`` with
``link: {type: "reply"}``; photos uploaded first), or as a reply comment under the
channel post (``POST /messages/{post}/comments``).

Credentials: ``bot_token``; ``mode`` ``polling`` (default; ``GET /updates`` with a
marker, works behind NAT) or ``webhook`` (MAX pushes updates to
``/sources/max/webhook/<account>/``; ``webhook_secret`` is checked on every call).
``external_id`` is the official channel's chat id (may be empty for a bot only).

Keys: ``<chat_id>/<mid>`` for a message, ``<chat_id>/<post mid>/<comment mid>`` for a
comment. MAX has no idempotency key for sending: ``find_published`` looks for a
reply of ours to the same message with the same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from otklik.connectors.base import (
    Attachment,
    Batch,
    Change,
    Connector,
    ConnectorError,
    IncomingMessage,
    Published,
    Reply,
    register,
)
from otklik.connectors.max.client import DEFAULT_BASE_URL, MaxClient

UPDATE_TYPES = (
    "message_created", "message_edited", "message_removed", "comment_created", "comment_edited", "comment_removed",
)  # fmt: skip
ATTACHMENT_TYPES = {"image": "photo", "video": "video", "file": "doc", "audio": "audio", "share": "link"}


def _when(ms: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(ms or 0) / 1000, tz=dt.UTC)


def _attachments(items: list[dict[str, Any]] | None) -> list[Attachment]:
    result = []
    for item in items or []:
        kind = str(item.get("type") or "")
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        url = str((payload or {}).get("url") or "")
        name = str(item.get("filename") or (payload or {}).get("title") or "")
        result.append(
            Attachment(ATTACHMENT_TYPES.get(kind, "other"), url, name or ("" if kind in ATTACHMENT_TYPES else kind))
        )
    return result


def parse_key(key: str) -> tuple[int, str, str]:
    """``<chat>/<mid>`` -> (chat, mid, ""); ``<chat>/<post>/<comment>`` -> (chat, comment, post)."""
    parts = key.split("/")
    try:
        if len(parts) == 2 and parts[1].startswith("mid."):
            return int(parts[0]), parts[1], ""
        if len(parts) == 3 and parts[1].startswith("mid.") and parts[2].startswith("mid."):
            return int(parts[0]), parts[2], parts[1]
    except ValueError:
        pass
    raise ConnectorError(f"MAX: непонятный ключ сообщения «{key}»", permanent=True, code="bad_key")


@register
class MaxConnector(Connector):
    network = "max"
    rate_per_second = 30.0  # MAX: up to 30 requests a second per bot
    page_size = 100
    max_pages = 50  # a periodic job: drain what is there, then return

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creds = self.account.credentials
        self.client = MaxClient(self.base_url or DEFAULT_BASE_URL, str(creds.get("bot_token") or ""))
        self.mode = str(creds.get("mode") or "polling")
        self._bot_id: int | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(lambda: self.client.request(method, path, **kwargs))

    # -- collection ------------------------------------------------------------------

    def collect(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        if self.mode == "webhook":
            yield Batch([], dict(cursor))  # updates arrive at the webhook; nothing to poll
            return
        marker = cursor.get("marker")
        for _ in range(self.max_pages):
            data = self.request(
                "GET", "/updates", params={"marker": marker, "limit": self.page_size, "timeout": 0,
                                           "types": ",".join(UPDATE_TYPES)},
            )  # fmt: skip
            updates = data.get("updates") or []
            if not isinstance(updates, list) or "marker" not in data:
                raise ConnectorError("MAX, GET /updates: неожиданный ответ", code="bad_shape")
            messages, changes = self.updates_to_items(updates)
            # The marker is passed (and so the updates committed) only on the next call,
            # after this batch and its cursor are stored.
            marker = data["marker"]
            yield Batch(messages, {**cursor, "marker": marker}, changes)
            if not updates:
                return

    def updates_to_items(self, updates: list[dict[str, Any]]) -> tuple[list[IncomingMessage], list[Change]]:
        messages: list[IncomingMessage] = []
        changes: list[Change] = []
        for update in updates:
            m, c = self.update_to_items(update)
            messages += m
            changes += c
        return messages, changes

    def update_to_items(self, update: dict[str, Any]) -> tuple[list[IncomingMessage], list[Change]]:
        """One update (polled or pushed to the webhook) -> messages and changes; others are ignored."""
        kind = update.get("update_type")
        message = update.get("message") if isinstance(update.get("message"), dict) else None
        if kind in ("message_created", "comment_created") and message:
            if (message.get("sender") or {}).get("is_bot"):
                return [], []  # our own answers (and other bots)
            recipient = message.get("recipient") or {}
            if kind == "message_created" and recipient.get("chat_type") not in ("dialog", "chat"):
                return [], []  # channel posts are the administration's own
            return [self._message(message)], []
        if kind in ("message_edited", "comment_edited") and message:
            body = message.get("body") or {}
            return [], [Change("max", self._key(message), "edited", str(body.get("text") or ""))]
        if kind == "message_removed" and update.get("message_id"):
            return [], [Change("max", f"{update.get('chat_id')}/{update['message_id']}", "deleted")]
        if kind == "comment_removed" and update.get("message_id"):
            key = f"{update.get('chat_id')}/{update.get('post_id')}/{update['message_id']}"
            return [], [Change("max", key, "deleted")]
        return [], []

    def _key(self, message: dict[str, Any]) -> str:
        recipient = message.get("recipient") or {}
        mid = str((message.get("body") or {}).get("mid") or "")
        if recipient.get("post_id"):
            return f"{recipient.get('chat_id')}/{recipient['post_id']}/{mid}"
        return f"{recipient.get('chat_id')}/{mid}"

    def _message(self, m: dict[str, Any]) -> IncomingMessage:
        sender = m.get("sender") or {}
        recipient = m.get("recipient") or {}
        body = m.get("body") or {}
        chat_id = recipient.get("chat_id")
        link = m.get("link") or {}
        parent = ""
        if recipient.get("post_id"):
            parent = f"{chat_id}/{recipient['post_id']}"
        elif link.get("type") == "reply" and (link.get("message") or {}).get("mid"):
            parent = f"{chat_id}/{link['message']['mid']}"
        name = str(sender.get("name") or " ".join(x for x in (sender.get("first_name"), sender.get("last_name")) if x))
        username = sender.get("username")
        return IncomingMessage(
            network="max", source_key=self._key(m), text=str(body.get("text") or ""),
            published_at=_when(m.get("timestamp")), url=str(m.get("url") or ""),
            author_id=str(sender.get("user_id") or ""), author_name=name,
            author_url=f"https://max.ru/{username}" if username else "",
            attachments=_attachments(body.get("attachments")), parent_key=parent, raw=m,
        )  # fmt: skip

    # -- webhook -----------------------------------------------------------------------

    def subscribe(self, url: str, secret: str) -> None:
        """Ask MAX to push updates to ``url`` with ``secret`` in ``X-Max-Bot-Api-Secret``."""
        self.request("POST", "/subscriptions", body={"url": url, "update_types": list(UPDATE_TYPES),
                                                     "secret": secret, "version": "0.0.30"})  # fmt: skip

    # -- publication ----------------------------------------------------------------------

    def publish(self, reply: Reply) -> Published:
        chat_id, mid, post = parse_key(reply.target_key)
        if any(f.kind not in ("photo", "video") for f in reply.files):
            raise ConnectorError(
                "MAX: к ответу можно приложить только фото и видео", permanent=True, code="attachment_type"
            )
        if post:
            if reply.files:
                raise ConnectorError(
                    "MAX: к комментарию нельзя приложить фото или видео — только текст. "
                    "Уберите файлы или разместите ответ вручную.",
                    permanent=True, code="attachment_type",
                )  # fmt: skip
            data = self.request("POST", f"/messages/{post}/comments",
                                body={"text": reply.text, "link": {"type": "reply", "mid": mid}})  # fmt: skip
            new = str(((data.get("message") or {}).get("body") or {}).get("mid") or "")
            return Published(f"{chat_id}/{post}/{new}", "")
        attachments = [self._upload_photo(f) if f.kind == "photo" else self._upload_video(f) for f in reply.files]
        body = {"text": reply.text, "attachments": attachments, "link": {"type": "reply", "mid": mid}, "notify": True}
        data = self.request("POST", "/messages", params={"chat_id": chat_id}, body=body)
        message = data.get("message") or {}
        new = str((message.get("body") or {}).get("mid") or "")
        if not new:
            raise ConnectorError("MAX, POST /messages: в ответе нет идентификатора сообщения", code="bad_shape")
        return Published(f"{chat_id}/{new}", str(message.get("url") or ""))

    def _upload_photo(self, file: Any) -> dict[str, Any]:
        endpoint = self.request("POST", "/uploads", params={"type": "image"})
        uploaded = self.call(
            lambda: self.client.upload(str(endpoint["url"]), file.name, file.content, file.content_type)
        )
        photos = uploaded.get("photos")
        first: dict[str, Any] = next(iter(photos.values()), {}) if isinstance(photos, dict) else {}
        token = first.get("token") if isinstance(first, dict) else None
        if not token:
            raise ConnectorError("MAX: сервер загрузки не вернул токен фото", code="upload")
        return {"type": "image", "payload": {"token": token}}

    def _upload_video(self, file: Any) -> dict[str, Any]:
        """§20: ``POST /uploads?type=video`` gives the URL and the token at once; the file goes to the URL."""
        endpoint = self.request("POST", "/uploads", params={"type": "video"})
        token = endpoint.get("token")
        if not token:
            raise ConnectorError("MAX: сервер не выдал токен для видео", code="upload")
        self.call(lambda: self.client.upload(str(endpoint["url"]), file.name, file.content, file.content_type))
        return {"type": "video", "payload": {"token": token}}

    def _me(self) -> int:
        if self._bot_id is None:
            self._bot_id = int(self.request("GET", "/me").get("user_id") or 0)
        return self._bot_id

    def find_published(self, reply: Reply) -> Published | None:
        """Our reply to the same message with the same text among the chat's latest messages."""
        chat_id, mid, post = parse_key(reply.target_key)
        me = self._me()
        if post:
            items = self.request("GET", f"/messages/{post}/comments", params={"count": 100}).get("messages") or []
        else:
            items = self.request("GET", "/messages", params={"chat_id": chat_id, "count": 100}).get("messages") or []
        for item in items:
            link = item.get("link") or {}
            body = item.get("body") or {}
            if (
                int((item.get("sender") or {}).get("user_id") or 0) == me
                and (link.get("message") or {}).get("mid") == mid
                and str(body.get("text") or "") == reply.text
            ):
                new = str(body.get("mid"))
                return Published(f"{chat_id}/{post}/{new}" if post else f"{chat_id}/{new}", str(item.get("url") or ""))
        return None
