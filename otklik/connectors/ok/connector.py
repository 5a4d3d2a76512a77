"""Odnoklassniki: the official group's topics and the comments under them.

Credentials: ``application_key``, ``application_secret_key`` (the OK app) and
``access_token`` (a group's or an administrator's token with GROUP_CONTENT and
VALUABLE_ACCESS). Keys: a topic ``topic<group>_<topic>``, a comment
``topic<group>_<topic>_<comment>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from otklik.connectors.base import (
    Attachment,
    Batch,
    Connector,
    ConnectorError,
    IncomingMessage,
    OutgoingFile,
    Published,
    Reply,
    register,
)
from otklik.connectors.ok.client import OkClient

DEFAULT_BASE_URL = "https://api.ok.ru/fb.do"
KEY_RE = re.compile(r"^topic(\d+)_(\d+)(?:_([\w-]+))?$")


def parse_key(key: str) -> tuple[str, str, str]:
    match = KEY_RE.match(key)
    if not match:
        raise ConnectorError(f"Одноклассники: непонятный ключ сообщения «{key}»", permanent=True, code="bad_key")
    return match[1], match[2], match[3] or ""


@register
class OkConnector(Connector):
    network = "ok"
    rate_per_second = 5.0
    scan_topics = 20
    page_size = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creds = self.account.credentials
        self.group_id = str(self.account.external_id)
        self.client = OkClient(
            self.base_url or DEFAULT_BASE_URL,
            application_key=str(creds.get("application_key") or ""),
            application_secret_key=str(creds.get("application_secret_key") or ""),
            access_token=str(creds.get("access_token") or ""),
        )

    def api(self, method: str, **params: Any) -> Any:
        return self.call(lambda: self.client.call(method, **params))

    def topic_url(self, topic_id: str) -> str:
        return f"https://ok.ru/group/{self.group_id}/topic/{topic_id}"

    # -- collection ---------------------------------------------------------------

    def collect(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        known: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (cursor.get("topics") or {}).items()}
        data = self.api("mediatopic.getTopics", gid=self.group_id, count=self.scan_topics)
        seen = set()
        for topic in data.get("media_topics") or []:
            tid = str(topic["id"])
            seen.add(tid)
            count = int((topic.get("discussion_summary") or {}).get("comments_count") or 0)
            state = known.get(tid) or {"anchor": "", "count": 0}
            if count == state["count"] and tid in known:
                continue
            while True:
                page = self.api(
                    "discussions.getComments", discussionId=tid, discussionType="GROUP_TOPIC",
                    anchor=state["anchor"] or None, direction="FORWARD", count=self.page_size,
                )  # fmt: skip
                comments = page.get("comments") or []
                if not comments and page.get("has_more"):
                    # An empty page that says "more": do not mark the topic as read.
                    raise ConnectorError("Одноклассники, discussions.getComments: пустая страница", code="partial")
                names = self._names([str(c.get("author_id")) for c in comments if c.get("author_type") == "USER"])
                messages = [
                    self._message(tid, c, names) for c in comments if str(c.get("author_type") or "USER") != "GROUP"
                ]
                state = {"anchor": str(page.get("anchor") or state["anchor"]), "count": state["count"]}
                if not page.get("has_more") or not comments:
                    state["count"] = count
                known[tid] = state
                yield Batch(messages, {**cursor, "topics": dict(known)})
                if not page.get("has_more") or not comments:
                    break
        cursor = {**cursor, "topics": {k: v for k, v in known.items() if k in seen}}
        yield Batch([], cursor)

    def _names(self, uids: list[str]) -> dict[str, str]:
        uids = sorted(set(u for u in uids if u))
        if not uids:
            return {}
        users = self.api("users.getInfo", uids=",".join(uids), fields="uid,name")
        return {str(u.get("uid")): str(u.get("name") or "") for u in users or []}

    def _message(self, topic_id: str, c: dict[str, Any], names: dict[str, str]) -> IncomingMessage:
        author = str(c.get("author_id") or "")
        if c.get("date_ms"):
            when = dt.datetime.fromtimestamp(int(c["date_ms"]) / 1000, tz=dt.UTC)
        else:  # "yyyy-MM-dd HH:mm:ss", GMT
            when = dt.datetime.strptime(str(c.get("date")), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
        attachments = [
            Attachment("photo" if a.get("type") == "photo" else "other", "", str(a.get("id") or a.get("type") or ""))
            for a in c.get("attachments") or []
        ]
        return IncomingMessage(
            network="ok", source_key=f"topic{self.group_id}_{topic_id}_{c['id']}", text=str(c.get("text") or ""),
            published_at=when, url=self.topic_url(topic_id), author_id=author, author_name=names.get(author, ""),
            author_url=f"https://ok.ru/profile/{author}" if author else "", attachments=attachments,
            parent_key=f"topic{self.group_id}_{topic_id}", raw=c,
        )  # fmt: skip

    # -- publication -------------------------------------------------------------------

    def publish(self, reply: Reply) -> Published:
        group, topic_id, comment_id = parse_key(reply.target_key)
        if group != self.group_id:
            # A watched group: the OK API comments "as admin" only in groups the token administers.
            raise ConnectorError(
                "Одноклассники: сообщение написано в сторонней группе, а API Одноклассников позволяет отвечать "
                "от имени группы только в своей группе. Разместите ответ вручную.",
                permanent=True, code="foreign_group",
            )  # fmt: skip
        if any(f.kind != "photo" for f in reply.files):
            # §20: discussions.comment takes photo tokens only — a video cannot go with a comment.
            raise ConnectorError(
                "Одноклассники: к комментарию можно приложить только фото — видео API Одноклассников к "
                "комментарию не прикрепляет. Уберите видео или разместите ответ вручную.",
                permanent=True, code="attachment_type",
            )  # fmt: skip
        tokens = [self._upload(f) for f in reply.files]
        result = self.api(
            "discussions.comment", discussionId=topic_id, discussionType="GROUP_TOPIC", text=reply.text,
            as_admin=True, reply_to_comment_id=comment_id or None, photo_tokens=",".join(tokens) or None,
        )  # fmt: skip
        return Published(f"topic{self.group_id}_{topic_id}_{result['id']}", self.topic_url(topic_id))

    def _upload(self, file: OutgoingFile) -> str:
        if file.kind != "photo":
            raise ConnectorError("Одноклассники: можно приложить только фото", permanent=True, code="attachment_type")
        target = self.api("photosV2.getUploadUrl", gid=self.group_id, count=1)
        uploaded = self.call(
            lambda: self.client.upload(target["upload_url"], file.name, file.content, file.content_type)
        )
        photo_id = str(target["photo_ids"][0])
        return str(uploaded["photos"][photo_id]["token"])

    def find_published(self, reply: Reply) -> Published | None:
        _group, topic_id, _comment = parse_key(reply.target_key)
        anchor = None
        found = None
        while True:
            page = self.api(
                "discussions.getComments", discussionId=topic_id, discussionType="GROUP_TOPIC", anchor=anchor,
                direction="FORWARD", count=self.page_size,
            )  # fmt: skip
            for c in page.get("comments") or []:
                if c.get("author_type") == "GROUP" and str(c.get("text") or "") == reply.text:
                    found = Published(f"topic{self.group_id}_{topic_id}_{c['id']}", self.topic_url(topic_id))
            if not page.get("has_more") or not page.get("comments"):
                return found
            anchor = page.get("anchor")
