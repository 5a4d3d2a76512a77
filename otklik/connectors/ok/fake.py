"""A local fake of the Odnoklassniki REST API (``fb.do``) for group topics.

It checks the request signature exactly as the documentation describes and answers
``{"error_code", "error_msg", "error_data"}`` on errors. Methods: ``mediatopic.getTopics``,
``discussions.getComments``, ``discussions.comment`` (reply as the group),
``users.getInfo``, ``photosV2.getUploadUrl`` plus the upload server. Examples are
recorded in ``fixtures/``.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from otklik.connectors.fakeserver import Clock, FakeRequest, FakeResponse, FakeServer, Fault
from otklik.connectors.ok.client import sign

ERRORS = {
    1: "UNKNOWN : Unknown error",
    2: "SERVICE : Service temporary unavailable",
    3: "METHOD : Method does not exist",
    8: "FLOOD_BLOCKED : Flood blocked",
    10: "PERMISSION_DENIED : Permission denied",
    11: "LIMIT_REACHED : Limit reached",
    100: "PARAM : Invalid parameter",
    102: "PARAM_SESSION_EXPIRED : Session expired",
    104: "PARAM_SIGNATURE : Invalid signature",
    300: "NOT_FOUND : Not found",
}


@dataclass
class Topic:
    id: str
    created_ms: int
    text: str
    author_ref: str


@dataclass
class Comment:
    id: str
    topic_id: str
    author_id: str
    author_type: str
    date_ms: int
    text: str
    reply_to_comment_id: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)


class FakeOk(FakeServer):
    name = "ok"

    def __init__(self, *, group_id: str = "70000001", seed: int | None = None, port: int = 0) -> None:
        super().__init__(seed=seed, port=port)
        self.group_id = group_id
        self.application_key = "CBAFAKEAPPKEY"
        self.application_secret_key = "FAKESECRET0123456789"
        self.tokens: dict[str, bool] = {}  # token -> revoked
        self.users: dict[str, str] = {}
        self.topics: dict[str, Topic] = {}
        self.comments: list[Comment] = []
        self.published: list[Comment] = []
        self.photo_tokens: dict[str, str] = {}
        self.clock = Clock()
        self._ids = itertools.count(1000)
        # group id -> group.getInfo fields (the own group, and other groups a municipality may watch)
        self.groups: dict[str, dict[str, Any]] = {
            group_id: {"uid": group_id, "name": "Администрация", "shortname": f"group{group_id}",
                       "members_count": 900, "access_type": "OPEN"}
        }  # fmt: skip

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/fb.do"

    def add_token(self, token: str) -> str:
        self.tokens[token] = False
        return token

    def add_group(
        self, group_id: str, name: str, *, shortname: str = "", members_count: int = 100, access_type: str = "OPEN"
    ) -> dict[str, Any]:
        """Another group (one a municipality watches); ``access_type`` OPEN, CLOSED or SECRET."""
        self.groups[group_id] = {"uid": group_id, "name": name, "shortname": shortname or f"group{group_id}",
                                 "members_count": members_count, "access_type": access_type}  # fmt: skip
        return self.groups[group_id]

    def add_topic(self, text: str, *, group_id: str | None = None) -> Topic:
        with self.lock:
            owner = group_id or self.group_id
            topic = Topic(str(next(self._ids)) + "9", self.clock.now() * 1000, text, f"group:{owner}")
            self.topics[topic.id] = topic
            return topic

    def add_comment(self, topic_id: str, text: str, *, author_id: str = "5501", reply_to: str = "") -> Comment:
        with self.lock:
            comment = Comment(
                base64.urlsafe_b64encode(f"c{next(self._ids)}".encode()).decode().rstrip("="),
                topic_id, author_id, "USER", self.clock.now() * 1000, text, reply_to,
            )  # fmt: skip
            self.comments.append(comment)
            return comment

    def operation(self, request: FakeRequest) -> str:
        if request.path.startswith("/upload"):
            return "upload"
        return request.params.get("method", "")

    def api_error(self, code: int | str | None, op: str) -> FakeResponse:
        code = int(code or 2)
        return FakeResponse.json({"error_code": code, "error_msg": ERRORS.get(code, "UNKNOWN"), "error_data": None})

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        if request.path.startswith("/upload"):
            return self._upload(request)
        p = request.params
        op = p.get("method", "")
        token = p.get("access_token", "")
        if p.get("application_key") != self.application_key:
            return self.api_error(101, op)
        if token not in self.tokens or self.tokens[token]:
            return self.api_error(102, op)
        unsigned = {k: v for k, v in p.items() if k not in ("sig", "access_token")}
        if p.get("sig") != sign(unsigned, token, self.application_secret_key):
            return self.api_error(104, op)
        handler = getattr(self, "_m_" + op.replace(".", "_"), None)
        if handler is None:
            return self.api_error(3, op)
        with self.lock:
            try:
                return FakeResponse.json(handler(p, fault))
            except OkFakeError as exc:
                return self.api_error(exc.code, op)

    # -- methods -----------------------------------------------------------------

    def _page(
        self, items: list[Any], p: dict[str, str], fault: Fault | None, default: int
    ) -> tuple[list[Any], str, bool]:
        start = int(base64.urlsafe_b64decode(p["anchor"] + "==").decode()) if p.get("anchor") else 0
        count = min(int(p.get("count") or default), 100)
        page = items[start : start + count]
        if fault and fault.kind == "partial":
            page = page[: len(page) // 2]
        end = start + len(page)
        anchor = base64.urlsafe_b64encode(str(end).encode()).decode().rstrip("=")
        return page, anchor, end < len(items)

    def _m_mediatopic_getTopics(self, p: dict[str, str], fault: Fault | None) -> dict[str, Any]:
        group = self.groups.get(p.get("gid", ""))
        if group is None:
            raise OkFakeError(100)
        if group["access_type"] != "OPEN" and group["uid"] != self.group_id:
            raise OkFakeError(10)  # a closed group's feed is for its members
        owner = f"group:{group['uid']}"
        topics = sorted((t for t in self.topics.values() if t.author_ref == owner), key=lambda t: -t.created_ms)
        page, anchor, more = self._page(topics, p, fault, 20)
        return {
            "media_topics": [
                {
                    "id": t.id,
                    "created_ms": t.created_ms,
                    "author_ref": t.author_ref,
                    "media": [{"type": "text", "text": t.text}],
                    "discussion_summary": {"comments_count": sum(1 for c in self.comments if c.topic_id == t.id)},
                }
                for t in page
            ],
            "anchor": anchor,
            "has_more": more,
        }

    def _m_group_getInfo(self, p: dict[str, str], fault: Fault | None) -> list[dict[str, Any]]:
        """``uids`` (comma-separated group ids); ``fields`` picks what comes back (lower case)."""
        fields = {f.strip().lower() for f in (p.get("fields") or "uid,name").split(",")} | {"uid"}
        found = [self.groups[g] for g in (p.get("uids") or "").split(",") if g in self.groups]
        return [{k: v for k, v in g.items() if k in fields} for g in found]

    def _m_url_getInfo(self, p: dict[str, str], fault: Fault | None) -> dict[str, Any]:
        """A link -> the object it names (here: groups by short name)."""
        name = (p.get("url") or "").rstrip("/").rsplit("/", 1)[-1]
        for g in self.groups.values():
            if g["shortname"] == name:
                return {"objectId": int(g["uid"]), "objectIdStr": g["uid"], "type": "GROUP"}
        raise OkFakeError(300)

    def _m_discussions_getComments(self, p: dict[str, str], fault: Fault | None) -> dict[str, Any]:
        topic_id = p.get("discussionId", "")
        if p.get("discussionType") != "GROUP_TOPIC" or topic_id not in self.topics:
            raise OkFakeError(300)
        comments = [c for c in self.comments if c.topic_id == topic_id]
        page, anchor, more = self._page(comments, p, fault, 20)
        return {
            "comments": [self._comment_json(c) for c in page],
            "anchor": anchor,
            "has_more": more,
            "discussionId": topic_id,
            "discussionType": "GROUP_TOPIC",
        }

    def _comment_json(self, c: Comment) -> dict[str, Any]:
        when = dt.datetime.fromtimestamp(c.date_ms / 1000, tz=dt.UTC)
        data: dict[str, Any] = {
            "id": c.id,
            "author_id": c.author_id,
            "author_type": c.author_type,
            "text": c.text,
            "date": when.strftime("%Y-%m-%d %H:%M:%S"),
            "date_ms": c.date_ms,
        }
        if c.reply_to_comment_id:
            data["reply_to_comment_id"] = c.reply_to_comment_id
            data["reply_to_id"] = next((x.author_id for x in self.comments if x.id == c.reply_to_comment_id), "")
        if c.attachments:
            data["attachments"] = c.attachments
        return data

    def _m_users_getInfo(self, p: dict[str, str], fault: Fault | None) -> list[dict[str, Any]]:
        uids = [u for u in (p.get("uids") or "").split(",") if u]
        return [{"uid": u, "name": self.users.get(u, f"Пользователь {u}")} for u in uids]

    def _m_discussions_comment(self, p: dict[str, str], fault: Fault | None) -> dict[str, Any]:
        topic_id = p.get("discussionId", "")
        if p.get("discussionType") != "GROUP_TOPIC" or topic_id not in self.topics:
            raise OkFakeError(300)
        if p.get("as_admin") != "true":
            raise OkFakeError(10)
        if self.topics[topic_id].author_ref != f"group:{self.group_id}":
            raise OkFakeError(10)  # "as admin" only in a group the token administers
        attachments = []
        for token in filter(None, (p.get("photo_tokens") or "").split(",")):
            if token not in self.photo_tokens:
                raise OkFakeError(100)
            attachments.append({"type": "photo", "id": self.photo_tokens[token]})
        if not p.get("text") and not attachments:
            raise OkFakeError(100)
        comment = self.add_comment(
            topic_id, p.get("text", ""), author_id=self.group_id, reply_to=p.get("reply_to_comment_id", "")
        )
        comment.author_type = "GROUP"
        comment.attachments = attachments
        self.published.append(comment)
        return {"id": comment.id}

    def _m_photosV2_getUploadUrl(self, p: dict[str, str], fault: Fault | None) -> dict[str, Any]:
        photo_id = str(next(self._ids))
        return {"upload_url": f"{self.root_url}/upload/{photo_id}", "photo_ids": [photo_id]}

    def _upload(self, request: FakeRequest) -> FakeResponse:
        photo_id = request.path.rsplit("/", 1)[-1]
        if "pic1" not in request.files:
            return FakeResponse.json({"error_code": 100, "error_msg": "PARAM : no file"})
        token = secrets.token_urlsafe(12)
        self.photo_tokens[token] = photo_id
        return FakeResponse.json({"photos": {photo_id: {"token": token}}})


class OkFakeError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code
