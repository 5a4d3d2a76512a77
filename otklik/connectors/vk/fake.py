"""A local fake of the VK API 5.199 (the methods Otklik uses), its Bots Long Poll
server, its photo upload server and a sender of Callback API events.

Shapes follow the official schema (github.com/VKCOM/vk-api-schema, version 5.199):
``{"response": ...}`` or ``{"error": {"error_code", "error_msg", "request_params"}}``;
the token types each method accepts are the schema's ``access_token_type``; a
wrong type answers 27 (community token) or 28 (service key). Recorded examples are
in ``fixtures/``.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from otklik.connectors.fakeserver import Clock, FakeRequest, FakeResponse, FakeServer, Fault
from otklik.connectors.vk.fake_discussions import TOKEN_TYPES as DISCUSSION_TOKEN_TYPES
from otklik.connectors.vk.fake_discussions import FakeVkDiscussions

API_VERSION = "5.199"

# access_token_type per method, from vk-api-schema (5.199)
TOKEN_TYPES: dict[str, tuple[str, ...]] = {
    "wall.get": ("user", "service"),
    "wall.getById": ("user", "service"),
    "wall.getComments": ("user", "service"),
    "wall.getComment": ("user",),
    "wall.createComment": ("user", "group"),
    "groups.getById": ("user", "group", "service"),
    "groups.getLongPollServer": ("group",),
    "photos.getWallUploadServer": ("user",),
    "photos.saveWallPhoto": ("user",),
    "users.get": ("user", "group", "service"),
    "messages.send": ("user", "group"),
    "messages.getHistory": ("user", "group"),
    "messages.isMessagesFromGroupAllowed": ("user", "group"),
    "execute": ("user", "group", "service"),
    "photos.getMessagesUploadServer": ("user", "group"),
    "photos.saveMessagesPhoto": ("user", "group"),
    "video.save": ("user",),
    **DISCUSSION_TOKEN_TYPES,
}

VIDEO_ATTACHMENT_RE = re.compile(r"^video(-?\d+)_(\d+)(?:_(\w+))?$")

ERROR_MESSAGES = {
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    9: "Flood control",
    10: "Internal server error",
    15: "Access denied",
    18: "User was deleted or banned",
    27: "Group authorization failed: method is unavailable with group auth.",
    28: "Application authorization failed: method is unavailable with service token.",
    100: "One of the parameters specified was missing or invalid",
    104: "Not found",
    212: "Access to post comments denied",
    213: "Access to status replies denied",
    222: "Hyperlinks are forbidden",
    901: "Can't send messages for users without permission",
    3: "Unknown method passed",
    13: "Runtime error occurred during code invocation: Too many API calls",
}
# The part of VKScript the fake understands: ``return [API.a.b({...}), ...];`` (JSON arguments)
EXECUTE_CALL = re.compile(r"API\.([A-Za-z]+\.[A-Za-z]+)\((\{[^()]*\})\)")


@dataclass
class Token:
    type: str  # "user" | "group" | "service"
    group_id: int = 0
    revoked: bool = False


@dataclass
class WallPost:
    id: int
    from_id: int
    date: int
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)
    comments_open: bool = True
    owner_id: int = 0  # the wall it is on (the fake's own community, or another one)


@dataclass
class DirectMessage:
    """A message in a conversation between a person (``peer_id``) and the community."""

    id: int
    peer_id: int
    from_id: int
    date: int
    text: str
    out: int = 0
    random_id: int = 0
    reply_to: int = 0
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class WallComment:
    id: int
    post_id: int
    from_id: int
    date: int
    text: str
    reply_to_comment: int = 0  # the comment answered (a root or a reply in its thread)
    root_id: int = 0  # the root comment of the thread (0: this is a root comment)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    guid: str = ""


class FakeVk(FakeVkDiscussions, FakeServer):
    name = "vk"

    def __init__(self, *, group_id: int = 1001, seed: int | None = None, port: int = 0) -> None:
        super().__init__(seed=seed, port=port)
        self.group_id = group_id
        self.owner_id = -group_id
        self.clock = Clock()
        self.tokens: dict[str, Token] = {}
        self.users: dict[int, tuple[str, str]] = {}
        self.screen_names: dict[int, str] = {}  # user or -group id -> short name, when it has one
        self.groups: dict[int, dict[str, Any]] = {
            group_id: {"id": group_id, "name": "Администрация", "screen_name": f"club{group_id}", "is_closed": 0,
                       "type": "group", "members_count": 1200}
        }  # fmt: skip
        self.posts: dict[int, WallPost] = {}
        self.comments: dict[int, WallComment] = {}
        # Indexes kept by add_comment (ids only grow, so each list stays in id order): a page of
        # wall.getComments costs the page, not a scan of every comment (no quadratic fake in benches).
        self._of_post: defaultdict[int, list[WallComment]] = defaultdict(list)
        self._top: defaultdict[int, list[WallComment]] = defaultdict(list)
        self._replies: defaultdict[int, list[WallComment]] = defaultdict(list)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.lp_key = secrets.token_hex(8)
        self.lp_first_ts = 1  # ts of the oldest event still kept (history window)
        self.photos: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, str] = {}
        # video.save: "video<owner>_<id>" -> the video; its upload URL's id -> that key
        self.videos: dict[str, dict[str, Any]] = {}
        self._video_uploads: dict[str, str] = {}
        self.confirmation_code = "a1b2c3d4"
        self.callback_secret = "callback-secret"
        self.published: list[WallComment] = []  # comments created through the API
        self.messages: dict[int, DirectMessage] = {}  # the community's conversations
        self.messages_allowed: set[int] = set()  # users who let the community write to them
        self.sent: list[DirectMessage] = []  # messages sent through messages.send
        self.page_limit = 100  # VK's maximum "count"
        self._init_discussions()

    # -- test/demo set-up ---------------------------------------------------------

    def add_token(self, token: str, type: str, *, group_id: int | None = None) -> str:
        self.tokens[token] = Token(type, group_id if group_id is not None else self.group_id)
        return token

    def revoke(self, token: str) -> None:
        self.tokens[token].revoked = True

    def add_user(self, user_id: int, first_name: str, last_name: str, *, screen_name: str = "") -> None:
        self.users[user_id] = (first_name, last_name)
        if screen_name:
            self.screen_names[user_id] = screen_name

    def add_group(
        self,
        group_id: int,
        name: str,
        *,
        screen_name: str = "",
        is_closed: int = 0,
        members_count: int = 100,
        groups_can_comment: bool = True,
        links_allowed: bool = True,
    ) -> dict[str, Any]:
        """Another community (an author of comments, or a community a municipality watches).

        ``groups_can_comment=False``: its wall takes no comments on behalf of communities
        (error 15); ``links_allowed=False``: a comment with a link answers error 222.
        """
        group = {"id": group_id, "name": name, "screen_name": screen_name or f"club{group_id}",
                 "is_closed": is_closed, "type": "group" if is_closed else "page", "members_count": members_count,
                 "groups_can_comment": groups_can_comment, "links_allowed": links_allowed}  # fmt: skip
        self.groups[group_id] = group
        return group

    def add_post(
        self, text: str, *, from_id: int | None = None, date: int | None = None, owner_id: int | None = None
    ) -> WallPost:
        """A post on the own wall, or (``owner_id=-<group>``) on another community's wall."""
        with self.lock:
            owner = owner_id or self.owner_id
            post = WallPost(next(self._ids), from_id or owner, date or self.clock.now(), text, owner_id=owner)
            self.posts[post.id] = post
            if owner == self.owner_id:  # events are the own community's only
                self._event("wall_post_new", self._post_json(post))
            return post

    def add_comment(
        self,
        post_id: int,
        text: str,
        *,
        from_id: int = 501,
        reply_to: int = 0,
        attachments: list[dict[str, Any]] | None = None,
        date: int | None = None,
        guid: str = "",
    ) -> WallComment:
        with self.lock:
            root = 0
            if reply_to:
                parent = self.comments[reply_to]
                root = parent.root_id or parent.id
            comment = WallComment(
                next(self._ids),
                post_id,
                from_id,
                date or self.clock.now(),
                text,
                reply_to,
                root,
                attachments or [],
                guid=guid,
            )
            self.comments[comment.id] = comment
            self._of_post[post_id].append(comment)
            (self._replies[root] if root else self._top[post_id]).append(comment)
            if self._owner(comment) == self.owner_id:
                self._event("wall_reply_new", self._comment_event_json(comment))
            return comment

    def _owner(self, c: WallComment) -> int:
        return self.posts[c.post_id].owner_id

    def edit_comment(self, comment_id: int, text: str) -> None:
        with self.lock:
            comment = self.comments[comment_id]
            comment.text = text
            self._event("wall_reply_edit", self._comment_event_json(comment))

    def delete_comment(self, comment_id: int) -> None:
        with self.lock:
            comment = self.comments[comment_id]
            comment.deleted = True
            self._event(
                "wall_reply_delete",
                {
                    "owner_id": self.owner_id,
                    "id": comment.id,
                    "deleter_id": comment.from_id,
                    "post_id": comment.post_id,
                },
            )

    def write_message(
        self, user_id: int, text: str, *, attachments: list[dict[str, Any]] | None = None, allow: bool = True
    ) -> DirectMessage:
        """A person writes to the community («Написать сообщение»); ``message_new`` follows.

        Writing first lets the community answer (``allow``); a person may also forbid
        it (:meth:`deny_messages`), and then ``messages.send`` answers error 901.
        """
        with self.lock:
            message = DirectMessage(next(self._ids), user_id, user_id, self.clock.now(), text,
                                    attachments=attachments or [])  # fmt: skip
            self.messages[message.id] = message
            if allow:
                self.messages_allowed.add(user_id)
            self._event("message_new", {"message": self._message_json(message), "client_info": {
                "button_actions": ["text", "vkpay", "open_app", "location", "open_link", "callback"],
                "keyboard": True, "inline_keyboard": True, "carousel": True, "lang_id": 0}})  # fmt: skip
            return message

    def deny_messages(self, user_id: int) -> None:
        with self.lock:
            self.messages_allowed.discard(user_id)
            self._event("message_deny", {"user_id": user_id})

    def _message_json(self, m: DirectMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": m.id, "date": m.date, "peer_id": m.peer_id, "from_id": m.from_id, "text": m.text, "out": m.out,
            "conversation_message_id": m.id, "fwd_messages": [], "important": False, "is_hidden": False,
            "attachments": m.attachments, "random_id": m.random_id,
        }  # fmt: skip
        if m.reply_to and m.reply_to in self.messages:
            data["reply_message"] = {k: v for k, v in self._message_json(self.messages[m.reply_to]).items()
                                     if k != "reply_message"}  # fmt: skip
        return data

    # Long Poll trouble, for tests of failed 1/2/3
    def expire_key(self) -> None:
        self.lp_key = secrets.token_hex(8)

    def lose_history(self, keep: int = 0) -> None:
        """Forget all but the last ``keep`` events (a client behind them gets failed 1)."""
        with self.lock:
            self.lp_first_ts = len(self.events) + 1 - keep

    # -- JSON shapes ----------------------------------------------------------------

    def _event(self, type: str, obj: dict[str, Any]) -> None:
        self.events.append(
            {
                "type": type,
                "object": obj,
                "group_id": self.group_id,
                "event_id": secrets.token_hex(20),
                "v": API_VERSION,
            }
        )

    def _post_json(self, post: WallPost) -> dict[str, Any]:
        count = sum(1 for c in self._of_post[post.id] if not c.deleted)
        return {
            "id": post.id,
            "owner_id": post.owner_id,
            "from_id": post.from_id,
            "date": post.date,
            "text": post.text,
            "post_type": "post",
            "attachments": post.attachments,
            "comments": {"count": count, "can_post": int(post.comments_open), "groups_can_post": True},
        }

    def _comment_json(self, c: WallComment, thread_items: int = 0) -> dict[str, Any]:
        if c.deleted:
            return {
                "id": c.id,
                "deleted": True,
                "from_id": 0,
                "date": c.date,
                "text": "",
                "post_id": c.post_id,
                "owner_id": self._owner(c),
            }
        data: dict[str, Any] = {
            "id": c.id,
            "from_id": c.from_id,
            "date": c.date,
            "text": c.text,
            "post_id": c.post_id,
            "owner_id": self._owner(c),
            "parents_stack": [c.root_id] if c.root_id else [],
        }
        if c.attachments:
            data["attachments"] = c.attachments
        if c.reply_to_comment:
            data["reply_to_comment"] = c.reply_to_comment
            data["reply_to_user"] = self.comments[c.reply_to_comment].from_id
        if not c.root_id:
            replies = self._replies[c.id]
            data["thread"] = {
                "count": len(replies),
                "items": [self._comment_json(r) for r in replies[:thread_items]],
                "can_post": True,
                "show_reply_button": True,
                "groups_can_post": True,
            }
        return data

    def _comment_event_json(self, c: WallComment) -> dict[str, Any]:
        data = self._comment_json(c)
        data.pop("thread", None)
        data["post_owner_id"] = self.owner_id
        return data

    def _profiles(self, from_ids: set[int]) -> dict[str, list[dict[str, Any]]]:
        profiles = [
            {
                "id": uid,
                "first_name": self.users.get(uid, ("Пользователь", str(uid)))[0],
                "last_name": self.users.get(uid, ("", ""))[1],
                "screen_name": self.screen_names.get(uid, f"id{uid}"),
            }
            for uid in sorted(i for i in from_ids if i > 0)
        ]
        group_ids = {self.group_id} | {-i for i in from_ids if i < 0 and -i in self.groups}
        groups = [self._group_json(self.groups[g], set()) for g in sorted(group_ids)]
        return {"profiles": profiles, "groups": groups}

    # -- HTTP -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/method"

    def operation(self, request: FakeRequest) -> str:
        if request.path.startswith("/method/"):
            return request.path[len("/method/") :]
        if request.path.startswith("/lp"):
            return "longpoll"
        if request.path.startswith("/upload"):
            return "upload"
        return request.path

    def api_error(self, code: int | str | None, op: str, params: dict[str, str] | None = None) -> FakeResponse:
        code = int(code or 10)
        if op in ("longpoll", "upload"):
            return FakeResponse.json({"failed": 2} if op == "longpoll" else {"error": "upload failed"})
        request_params = [{"key": "method", "value": op}, {"key": "v", "value": API_VERSION}]
        request_params += [{"key": k, "value": v} for k, v in (params or {}).items() if k != "access_token"]
        return FakeResponse.json(
            {
                "error": {
                    "error_code": code,
                    "error_msg": ERROR_MESSAGES.get(code, "Unknown error occurred"),
                    "request_params": request_params,
                }
            }
        )

    def dispatch(self, request: FakeRequest, fault: Fault | None) -> FakeResponse:
        op = self.operation(request)
        if op == "longpoll":
            return self._longpoll(request.params)
        if op == "upload":
            return self._upload(request)
        params = request.params
        if op not in TOKEN_TYPES:
            return self.api_error(3, op, params)
        if not params.get("v"):
            return FakeResponse.json(
                {
                    "error": {
                        "error_code": 8,
                        "error_msg": "Invalid request: v (version) is required",
                        "request_params": [],
                    }
                }
            )
        token = self.tokens.get(params.get("access_token", ""))
        if token is None or token.revoked:
            return self.api_error(5, op, params)
        if token.type not in TOKEN_TYPES[op]:
            return self.api_error(27 if token.type == "group" else 28 if token.type == "service" else 15, op, params)
        handler = getattr(self, "_m_" + op.replace(".", "_"))
        with self.lock:
            try:
                result = handler(params, token, fault)
            except VkFakeError as exc:
                return self.api_error(exc.code, op, params)
        return FakeResponse.json({"response": result})

    # -- methods ----------------------------------------------------------------

    def _check_owner(self, params: dict[str, str]) -> int:
        """The wall asked for: the own community's, or an open one the fake knows (closed: 15)."""
        owner = int(params.get("owner_id") or 0)
        if owner != self.owner_id:
            group = self.groups.get(-owner)
            if group is None:
                raise VkFakeError(100)
            if group["is_closed"]:
                raise VkFakeError(15)
        return owner

    def _m_wall_get(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        owner = self._check_owner(p)
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 20), 100)
        posts = sorted((x for x in self.posts.values() if x.owner_id == owner), key=lambda x: -x.id)
        page = posts[offset : offset + count]
        if fault and fault.kind == "partial":
            page = page[: max(0, len(page) // 2)]
        result: dict[str, Any] = {"count": len(posts), "items": [self._post_json(x) for x in page]}
        if p.get("extended") in ("1", "true"):
            result.update(self._profiles({x.from_id for x in page}))
        return result

    def _m_wall_getComments(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        owner = self._check_owner(p)
        post = self.posts.get(int(p.get("post_id") or 0))
        if post is None or post.owner_id != owner:
            raise VkFakeError(100)
        if not post.comments_open:
            raise VkFakeError(212)
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 10), self.page_limit)
        thread_items = min(int(p.get("thread_items_count") or 0), 10)
        parent = int(p.get("comment_id") or 0)
        level = self._replies[parent] if parent else self._top[post.id]  # in id order
        start = int(p.get("start_comment_id") or 0)
        if p.get("sort") == "desc":
            level = level[: bisect_right([c.id for c in level], start)] if start else level
            level = level[::-1]
        elif start:
            level = level[bisect_left([c.id for c in level], start) :]
        page = level[offset : offset + count]
        if fault and fault.kind == "partial":
            page = page[: max(0, len(page) // 2)]
        total = len(self._of_post[post.id])
        result: dict[str, Any] = {
            "count": total,
            "current_level_count": len(level),
            "can_post": int(post.comments_open),
            "show_reply_button": True,
            "groups_can_post": True,
            "items": [self._comment_json(c, thread_items) for c in page],
        }
        if p.get("extended") in ("1", "true"):
            ids = {c.from_id for c in page}
            for c in page:
                ids.update(r.from_id for r in self._replies[c.id])
            result.update(self._profiles(ids))
        return result

    def _m_wall_getComment(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        self._check_owner(p)
        comment = self.comments.get(int(p.get("comment_id") or 0))
        if comment is None:
            raise VkFakeError(100)
        return {"items": [self._comment_json(comment)], "can_post": True}

    def _m_wall_createComment(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        owner = self._check_owner(p)
        post = self.posts.get(int(p.get("post_id") or 0))
        if post is None or post.owner_id != owner:
            raise VkFakeError(100)
        if not post.comments_open:
            raise VkFakeError(213)
        if owner != self.owner_id:
            # Another community's wall: a community key works on its own community only;
            # on behalf of a community only where that wall allows it; links where allowed.
            group = self.groups[-owner]
            if token.type == "group" or (int(p.get("from_group") or 0) and not group["groups_can_comment"]):
                raise VkFakeError(15)
            if not group["links_allowed"] and ("http" in p.get("message", "") or "vk.com/" in p.get("message", "")):
                raise VkFakeError(222)
        guid = p.get("guid", "")
        if guid:
            for existing in self.published:
                if existing.guid == guid:
                    return {"comment_id": existing.id, "parents_stack": [existing.root_id] if existing.root_id else []}
        if not p.get("message") and not p.get("attachments"):
            raise VkFakeError(100)
        from_group = int(p.get("from_group") or 0)
        if token.type == "group":
            from_id = -token.group_id
        else:
            from_id = -from_group if from_group else 9000
        reply_to = int(p.get("reply_to_comment") or 0)
        if reply_to and reply_to not in self.comments:
            raise VkFakeError(100)
        attachments = [self._attachment(item) for item in filter(None, (p.get("attachments") or "").split(","))]
        comment = self.add_comment(
            post.id, p.get("message", ""), from_id=from_id, reply_to=reply_to, attachments=attachments, guid=guid
        )
        self.published.append(comment)
        return {"comment_id": comment.id, "parents_stack": [comment.root_id] if comment.root_id else []}

    def _group_json(self, group: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        data = {k: group[k] for k in ("id", "name", "screen_name", "is_closed", "type")}
        data.update(photo_50=f"https://sun.userapi.com/g{group['id']}_50.jpg")
        if "members_count" in fields:
            data["members_count"] = group["members_count"]
        return data

    def _m_groups_getById(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        """``group_ids`` (ids or short names, up to 500) or ``group_id``; 5.199 answers ``{groups, profiles}``."""
        wanted = [x.strip() for x in (p.get("group_ids") or p.get("group_id") or "").split(",") if x.strip()]
        if not wanted:
            wanted = [str(token.group_id or self.group_id)]
        if len(wanted) > 500:
            raise VkFakeError(100)
        fields = set(filter(None, (p.get("fields") or "").split(",")))
        by_name = {g["screen_name"]: g for g in self.groups.values()}
        found = []
        for item in wanted:
            group = by_name.get(item)
            digits = item.removeprefix("-").removeprefix("club").removeprefix("public")
            if group is None and digits.isdigit():
                group = self.groups.get(int(digits))
            if group is not None:
                found.append(self._group_json(group, fields))
        if not found:
            raise VkFakeError(100)
        return {"groups": found, "profiles": []}

    def _m_users_get(self, p: dict[str, str], token: Token, fault: Fault | None) -> list[dict[str, Any]]:
        """``user_ids`` up to 1000; ``screen_name`` only when asked for in ``fields``."""
        raw = [x.strip() for x in (p.get("user_ids") or "").split(",") if x.strip()]
        if len(raw) > 1000:
            raise VkFakeError(100)
        ids = [int(x) for x in raw if x.isdigit()]
        if raw and not ids:
            raise VkFakeError(113)
        fields = set(filter(None, (p.get("fields") or "").split(",")))
        result = []
        for uid in ids:
            first, last = self.users.get(uid, ("Пользователь", str(uid)))
            user: dict[str, Any] = {
                "id": uid, "first_name": first, "last_name": last, "can_access_closed": True, "is_closed": False,
            }  # fmt: skip
            if "screen_name" in fields:
                user["screen_name"] = self.screen_names.get(uid, f"id{uid}")
            result.append(user)
        return result

    def _m_execute(self, p: dict[str, str], token: Token, fault: Fault | None) -> list[Any]:
        """Up to 25 API calls in one request; a failed call gives ``false`` in its place."""
        calls = EXECUTE_CALL.findall(p.get("code") or "")
        if not calls:
            raise VkFakeError(12)
        if len(calls) > 25:
            raise VkFakeError(13)
        results: list[Any] = []
        for method, args in calls:
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None or method == "execute" or token.type not in TOKEN_TYPES.get(method, ()):
                results.append(False)
                continue
            try:
                params = {k: str(int(v) if isinstance(v, bool) else v) for k, v in json.loads(args).items()}
                results.append(handler(params, token, fault))
            except (VkFakeError, ValueError):
                results.append(False)
        return results

    def _m_messages_send(self, p: dict[str, str], token: Token, fault: Fault | None) -> int:
        """``peer_id``, ``random_id`` (required: a repeat with the same one is not sent again),
        ``message``/``attachment``, ``reply_to``. Answers the new message's id."""
        peer = int(p.get("peer_id") or p.get("user_id") or 0)
        if not peer or "random_id" not in p:
            raise VkFakeError(100)
        random_id = int(p["random_id"])
        if random_id:
            for existing in self.sent:
                if existing.peer_id == peer and existing.random_id == random_id:
                    return existing.id
        if token.type == "group" and peer not in self.messages_allowed:
            raise VkFakeError(901)
        if not p.get("message") and not p.get("attachment"):
            raise VkFakeError(100)
        reply_to = int(p.get("reply_to") or 0)
        if reply_to and (reply_to not in self.messages or self.messages[reply_to].peer_id != peer):
            raise VkFakeError(100)
        attachments = [
            self._attachment(item, private=True) for item in filter(None, (p.get("attachment") or "").split(","))
        ]
        message = DirectMessage(next(self._ids), peer, self.owner_id, self.clock.now(), p.get("message", ""), out=1,
                                random_id=random_id, reply_to=reply_to, attachments=attachments)  # fmt: skip
        self.messages[message.id] = message
        self.sent.append(message)
        self._event("message_reply", self._message_json(message))
        return message.id

    def _m_messages_getHistory(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        peer = int(p.get("peer_id") or p.get("user_id") or 0)
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 20), 200)
        history = sorted((m for m in self.messages.values() if m.peer_id == peer), key=lambda m: -m.id)
        return {"count": len(history), "items": [self._message_json(m) for m in history[offset : offset + count]]}

    def _m_messages_isMessagesFromGroupAllowed(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict:  # type: ignore[type-arg]
        return {"is_allowed": int(int(p.get("user_id") or 0) in self.messages_allowed)}

    def _m_photos_getMessagesUploadServer(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        upload_id = secrets.token_hex(6)
        self._uploads[upload_id] = str(token.group_id)
        return {"upload_url": f"{self.root_url}/upload/{upload_id}", "album_id": -3, "group_id": token.group_id}

    def _m_photos_saveMessagesPhoto(self, p: dict[str, str], token: Token, fault: Fault | None) -> list[dict[str, Any]]:
        return self._m_photos_saveWallPhoto({**p, "group_id": str(token.group_id)}, token, fault)

    def _m_groups_getLongPollServer(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        if int(p.get("group_id") or 0) != token.group_id:
            raise VkFakeError(100)
        return {"key": self.lp_key, "server": f"{self.root_url}/lp/{self.group_id}", "ts": str(len(self.events))}

    def _m_photos_getWallUploadServer(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        upload_id = secrets.token_hex(6)
        self._uploads[upload_id] = p.get("group_id", "")
        return {"upload_url": f"{self.root_url}/upload/{upload_id}", "album_id": -14, "user_id": 9000}

    def _m_photos_saveWallPhoto(self, p: dict[str, str], token: Token, fault: Fault | None) -> list[dict[str, Any]]:
        try:
            uploaded = json.loads(p.get("photo") or "")
        except json.JSONDecodeError:
            raise VkFakeError(100) from None
        if not uploaded or p.get("hash") != _hash(uploaded):
            raise VkFakeError(100)
        photo_id = next(self._ids)
        owner = -int(p.get("group_id") or self.group_id)
        photo = {
            "id": photo_id,
            "owner_id": owner,
            "album_id": -14,
            "date": self.clock.now(),
            "text": "",
            "sizes": [{"type": "x", "url": f"{self.root_url}/photos/{photo_id}.jpg", "width": 604, "height": 453}],
        }
        self.photos[f"photo{owner}_{photo_id}"] = photo
        return [photo]

    def _attachment(self, item: str, *, private: bool = False) -> dict[str, Any]:
        """``photo<owner>_<id>`` or ``video<owner>_<id>[_<access_key>]``, as VK's
        ``attachments`` take them. A video must have been uploaded; one saved with
        ``is_private=1`` goes only into private messages, with its access key."""
        m = VIDEO_ATTACHMENT_RE.match(item)
        if m is not None:
            video = self.videos.get(f"video{m[1]}_{m[2]}")
            if video is None or not video["uploaded"]:
                raise VkFakeError(100)
            if video["is_private"] and (not private or m[3] != video["access_key"]):
                raise VkFakeError(100)
            return {"type": "video", "video": {k: video[k] for k in ("id", "owner_id", "title", "access_key")}}
        photo = self.photos.get(item)
        if photo is None:
            raise VkFakeError(100)
        return {"type": "photo", "photo": photo}

    def _m_video_save(self, p: dict[str, str], token: Token, fault: Fault | None) -> dict[str, Any]:
        """``name``, ``description``, ``is_private``, ``wallpost``, ``group_id``: answers the
        future video's ids and the ``upload_url`` to POST the file to (field ``video_file``)."""
        owner = -int(p["group_id"]) if p.get("group_id") else 9000
        video_id = next(self._ids)
        video = {
            "id": video_id, "owner_id": owner, "title": p.get("name") or "Untitled",
            "description": p.get("description", ""), "access_key": secrets.token_hex(9),
            "is_private": p.get("is_private") == "1", "uploaded": False, "size": 0,
        }  # fmt: skip
        key = f"video{owner}_{video_id}"
        self.videos[key] = video
        upload_id = "v" + secrets.token_hex(6)
        self._video_uploads[upload_id] = key
        return {
            "access_key": video["access_key"], "description": video["description"], "owner_id": owner,
            "title": video["title"], "upload_url": f"{self.root_url}/upload/{upload_id}", "video_id": video_id,
        }  # fmt: skip

    # -- upload and Long Poll servers ---------------------------------------------

    def _upload(self, request: FakeRequest) -> FakeResponse:
        upload_id = request.path.rsplit("/", 1)[-1]
        if upload_id in self._video_uploads:
            if "video_file" not in request.files:
                return FakeResponse.json({"error": "no video_file"})
            video = self.videos[self._video_uploads[upload_id]]
            video.update(uploaded=True, size=len(request.files["video_file"][1]))
            return FakeResponse.json(
                {"size": video["size"], "owner_id": video["owner_id"], "video_id": video["id"],
                 "video_hash": secrets.token_hex(9)}
            )  # fmt: skip
        if upload_id not in self._uploads or "photo" not in request.files:
            return FakeResponse.json({"server": 0, "photo": "[]", "hash": ""})
        filename, content, ctype = request.files["photo"]
        uploaded = [
            {
                "markers_restarted": True,
                "photo": f"{secrets.token_hex(5)}:{len(content)}",
                "sizes": [],
                "name": filename,
            }
        ]
        return FakeResponse.json({"server": 840123, "photo": json.dumps(uploaded), "hash": _hash(uploaded)})

    def _longpoll(self, p: dict[str, str]) -> FakeResponse:
        with self.lock:
            if p.get("act") != "a_check":
                return FakeResponse.json({"failed": 2})
            if p.get("key") != self.lp_key:
                return FakeResponse.json({"failed": 2})
            try:
                ts = int(p.get("ts") or "")
            except ValueError:
                return FakeResponse.json({"failed": 3})
            current = len(self.events)
            if ts > current:
                return FakeResponse.json({"failed": 3})
            if ts + 1 < self.lp_first_ts:
                return FakeResponse.json({"failed": 1, "ts": str(current)})
            # events are numbered from 1; the client's ts is the last one it has seen
            updates = self.events[ts : ts + 100]
            return FakeResponse.json({"ts": str(ts + len(updates)), "updates": updates})

    # -- Callback API: VK calls us ----------------------------------------------------

    def send_callback(self, url: str, event: dict[str, Any], *, secret: str | None = None, attempts: int = 1) -> str:
        """POST ``event`` to ``url`` the way VK does; VK retries until it gets "ok"."""
        body = dict(event)
        body["secret"] = self.callback_secret if secret is None else secret
        text = ""
        for _ in range(attempts):
            response = httpx.post(url, json=body, timeout=10)
            text = response.text
            if text == "ok":
                break
        return text

    def confirmation_event(self) -> dict[str, Any]:
        return {"type": "confirmation", "group_id": self.group_id}


class VkFakeError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _hash(uploaded: Any) -> str:
    import hashlib

    return hashlib.md5(json.dumps(uploaded, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
