"""VKontakte: wall posts and comments (with threads) of the official community.

Credentials (``OfficialAccount.get_credentials()``):

``community_token``  community key: Bots Long Poll, ``wall.createComment`` from the community
``service_token``    the VK app's service key: reading the wall and its comments
``user_token``       an administrator's user key: ``wall.getComment``, the wall photo upload
                     and ``video.save`` (video answers, §20)
``mode``             ``longpoll`` (default when a community key is set; works behind NAT),
                     ``wall`` (scan the wall) or ``callback`` (events pushed to us)
``callback_secret``, ``confirmation_code``  for the Callback API

Keys: a post is ``wall-<group>_<post>``, a comment ``wall-<group>_<post>_<comment>``, a
private message to the community ``msg-<group>_<person>_<message>`` (Bots Long Poll /
Callback ``message_new``; answered with ``messages.send`` from the community).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator
from functools import partial
from typing import Any

from otklik.connectors.base import (
    Batch,
    Change,
    Connector,
    ConnectorError,
    IncomingMessage,
    Published,
    Reply,
    register,
)
from otklik.connectors.vk.client import VkClient
from otklik.connectors.vk.discussions import BOARD_EVENTS, PHOTO_EVENTS, VkDiscussions, is_discussion_key
from otklik.connectors.vk.shapes import attachments as _attachments
from otklik.connectors.vk.shapes import when as _when

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://api.vk.com/method"
USERS_PER_CALL = 1000  # users.get: up to 1000 user_ids
GROUPS_PER_CALL = 500  # groups.getById: up to 500 group_ids
RATES = {"user": 3.0, "service": 3.0, "group": 20.0}  # requests/s per key (VK's published limits)
KEY_RE = re.compile(r"^wall(-?\d+)_(\d+)(?:_(\d+))?$")
MSG_KEY_RE = re.compile(r"^msg(-\d+)_(\d+)_(\d+)$")
# Refusals of an answer on another community's wall (they mean "place it by hand"), in words.
ELSEWHERE_REFUSALS = {
    7: "нет прав на это действие",
    15: "комментарии от имени сообществ там запрещены или доступ закрыт",
    210: "нет доступа к записи",
    211: "нет доступа к комментарию",
    212: "комментарии к записи закрыты",
    213: "комментировать запись нельзя",
    222: "ссылки в комментариях запрещены",
}
CHAT_PEERS = 2_000_000_000  # peer ids above this are group chats, not one person's conversation


def message_key(owner_id: int, peer_id: int, message_id: int) -> str:
    return f"msg{owner_id}_{peer_id}_{message_id}"


def message_url(group_id: int, peer_id: int, message_id: int) -> str:
    # The community's conversation with the person, as its administrators open it.
    return f"https://vk.com/gim{group_id}?sel={peer_id}&msgid={message_id}"


def random_id_for(idempotency_key: str) -> int:
    """messages.send's ``random_id`` (int32): the same publication always sends the same one."""
    return int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:4], "big") & 0x7FFFFFFF


def post_key(owner_id: int, post_id: int) -> str:
    return f"wall{owner_id}_{post_id}"


def comment_key(owner_id: int, post_id: int, comment_id: int) -> str:
    return f"wall{owner_id}_{post_id}_{comment_id}"


def parse_key(key: str) -> tuple[int, int, int]:
    match = KEY_RE.match(key)
    if not match:
        raise ConnectorError(f"ВКонтакте: непонятный ключ сообщения «{key}»", permanent=True, code="bad_key")
    return int(match[1]), int(match[2]), int(match[3] or 0)


def _parse_message_key(key: str) -> tuple[int, int, int]:
    match = MSG_KEY_RE.match(key)
    if not match:
        raise ConnectorError(f"ВКонтакте: непонятный ключ сообщения «{key}»", permanent=True, code="bad_key")
    return int(match[1]), int(match[2]), int(match[3])


def comment_url(owner_id: int, post_id: int, comment_id: int, thread: int = 0) -> str:
    url = f"https://vk.com/wall{owner_id}_{post_id}?reply={comment_id}"
    return url + (f"&thread={thread}" if thread else "")


@register
class VkConnector(VkDiscussions, Connector):
    network = "vk"
    rate_per_second = 3.0
    scan_posts = 30  # how many latest wall posts a wall scan looks at
    rescan_every = 6 * 3600  # seconds between safety wall scans in Long Poll mode
    page_size = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = VkClient(self.base_url or DEFAULT_BASE_URL)
        creds = self.account.credentials
        self.group_id = abs(int(self.account.external_id))
        self.owner_id = -self.group_id  # the wall being read
        self.own_id = self.owner_id  # the official community: its comments are our answers
        self.community_token = str(creds.get("community_token") or "")
        self.service_token = str(creds.get("service_token") or "")
        self.user_token = str(creds.get("user_token") or "")
        self.mode = str(creds.get("mode") or ("longpoll" if self.community_token else "wall"))
        # what a periodic scan reads: the wall always; boards and photo comments when listed
        self.scan_parts = tuple(p.strip() for p in str(creds.get("scan") or "wall").split(",") if p.strip())
        self._names: dict[int, tuple[str, str]] = {}
        self._prefetched: dict[int, dict[str, Any]] = {}  # post id -> first page of its comments
        self.rates = dict(RATES)

    # -- calls with the right key ------------------------------------------------

    def api(self, method: str, kind: str, **params: Any) -> Any:
        token = {"group": self.community_token, "user": self.user_token, "service": self.service_token}[kind]
        if kind == "service" and not token:
            token, kind = self.user_token, "user"  # reading works with an administrator's key too
        if not token:
            need = {"group": "ключ сообщества", "user": "ключ администратора", "service": "сервисный ключ приложения"}[
                kind
            ]
            raise ConnectorError(f"ВКонтакте, {method}: не задан {need}", permanent=True, code="no_token")
        return self.call(
            lambda: self.client.call(method, token, **params),
            rate_key=f"{self.account.key}:{kind}",
            rate=self.rates[kind],
        )

    # -- collection ------------------------------------------------------------------

    def collect(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        if self.mode == "longpoll":
            yield from self._collect_longpoll(cursor)
        else:
            # "wall", and "callback" too: the periodic scan catches what a lost callback missed
            yield from self._scan_all(cursor)

    def _scan_all(self, cursor: dict[str, Any]) -> Generator[Batch, None, dict[str, Any]]:
        cursor = yield from self._scan_wall(cursor)
        return (yield from self._scan_discussions(cursor))

    def _scan_wall(self, cursor: dict[str, Any]) -> Generator[Batch, None, dict[str, Any]]:
        """Look at the latest posts; re-read the comments of those whose count changed.

        Returns the cursor after the scan (``posts``: post id -> comment count seen).
        """
        known: dict[str, int] = dict(cursor.get("posts") or {})
        data = self.api("wall.get", "service", owner_id=self.owner_id, count=self.scan_posts, extended=1)
        self._remember_names(data)
        items = data.get("items") or []
        if len(items) < min(self.scan_posts, int(data.get("count") or 0)):
            # A short page would make us forget posts: try again rather than trust it.
            raise ConnectorError("ВКонтакте, wall.get: неполный ответ", code="partial")
        self._before_comments(items, known)
        seen: set[str] = set()
        for post in items:
            pid = str(post["id"])
            seen.add(pid)
            count = int((post.get("comments") or {}).get("count") or 0)
            before = known.get(pid)
            messages: list[IncomingMessage] = []
            changes: list[Change] = []
            if before is None and self._wants_post(post):
                messages.append(self._post_message(post))
            if count != (before or 0):
                messages_, changes_ = self._post_comments(int(post["id"]), self._prefetched.pop(int(post["id"]), None))
                messages += messages_
                changes += changes_
            if messages or changes or before != count:
                messages = self.resolve_authors(messages)
                known[pid] = count
                yield Batch(messages, {**cursor, "posts": dict(known)}, changes)
        # Posts that fell out of the window are forgotten.
        cursor = {**cursor, "posts": {k: v for k, v in known.items() if k in seen}, "scanned_at": int(time.time())}
        yield Batch([], cursor)
        return cursor

    def _wants_post(self, post: dict[str, Any]) -> bool:
        # On the own wall the community's posts are its own news; people's posts (suggested, or
        # an open wall) are messages.
        return int(post.get("from_id") or 0) > 0

    def _before_comments(self, posts: list[dict[str, Any]], known: dict[str, int]) -> None:
        """A hook before comments are read: may put first pages into ``_prefetched``."""

    def _post_comments(
        self, post_id: int, first_page: dict[str, Any] | None = None
    ) -> tuple[list[IncomingMessage], list[Change]]:
        messages: list[IncomingMessage] = []
        changes: list[Change] = []
        offset = 0
        while True:
            page = first_page if (offset == 0 and first_page is not None) else self.api(
                "wall.getComments", "service", owner_id=self.owner_id, post_id=post_id, offset=offset,
                count=self.page_size, sort="asc", thread_items_count=10, extended=1, preview_length=0,
            )  # fmt: skip
            self._remember_names(page)
            items = page.get("items") or []
            for item in items:
                self._take_comment(item, post_id, 0, messages, changes)
                thread = item.get("thread") or {}
                thread_items = thread.get("items") or []
                if int(thread.get("count") or 0) > len(thread_items):
                    self._thread(post_id, int(item["id"]), messages, changes)
                else:
                    for reply in thread_items:
                        self._take_comment(reply, post_id, int(item["id"]), messages, changes)
            offset += len(items)
            if not items or offset >= int(page.get("current_level_count") or 0):
                return messages, changes

    def _thread(self, post_id: int, root_id: int, messages: list[IncomingMessage], changes: list[Change]) -> None:
        offset = 0
        while True:
            page = self.api(
                "wall.getComments", "service", owner_id=self.owner_id, post_id=post_id, comment_id=root_id,
                offset=offset, count=self.page_size, sort="asc", extended=1, preview_length=0,
            )  # fmt: skip
            self._remember_names(page)
            items = page.get("items") or []
            for reply in items:
                self._take_comment(reply, post_id, root_id, messages, changes)
            offset += len(items)
            if not items or offset >= int(page.get("current_level_count") or 0):
                return

    def _take_comment(
        self, item: dict[str, Any], post_id: int, root_id: int, messages: list[IncomingMessage], changes: list[Change]
    ) -> None:
        key = comment_key(self.owner_id, post_id, int(item["id"]))
        if item.get("deleted"):
            changes.append(Change("vk", key, "deleted"))
        elif int(item.get("from_id") or 0) not in (self.owner_id, self.own_id):  # answers by the community
            messages.append(self._comment_message(item, post_id, root_id))

    def _collect_longpoll(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        lp = dict(cursor.get("lp") or {})
        if not lp:
            # First run: take the server (and its ts) first, then read the wall, so
            # nothing written in between is missed; duplicates are stored once.
            lp = self._lp_server()
            cursor = yield from self._scan_all({**cursor, "lp": lp})
        elif time.time() - int(cursor.get("scanned_at") or 0) > self.rescan_every:
            # A safety net: Long Poll does not replay what was lost while nobody listened.
            cursor = yield from self._scan_all(cursor)
        polls = 0
        while polls < 50:  # a periodic job: drain what is there, then return
            polls += 1
            # The Long Poll server is not an API method: VK's per-key request limit does not apply,
            # and a full answer is followed at once by the next request while events wait.
            answer = self.call(partial(self.client.long_poll, lp["server"], lp["key"], lp["ts"]), rate=0)
            failed = answer.get("failed")
            if failed == 1:
                # History lost or outdated: continue from the new ts, re-read the wall for the gap.
                lp["ts"] = str(answer.get("ts"))
                cursor = yield from self._scan_all({**cursor, "lp": lp})
                continue
            if failed == 2:
                lp = {**self._lp_server(), "ts": lp["ts"]}  # new key, same position
                continue
            if failed == 3:
                lp = self._lp_server()  # key and position lost: start over, re-read the wall
                cursor = yield from self._scan_all({**cursor, "lp": lp})
                continue
            if failed is not None or "ts" not in answer:
                raise ConnectorError(f"ВКонтакте Long Poll: неожиданный ответ {str(answer)[:200]}", code="bad_shape")
            updates = answer.get("updates") or []
            lp = {**lp, "ts": str(answer["ts"])}
            messages, changes = self._events(updates)
            cursor = {**cursor, "lp": lp}
            yield Batch(messages, cursor, changes)
            if not updates:
                return

    def _lp_server(self) -> dict[str, str]:
        data = self.api("groups.getLongPollServer", "group", group_id=self.group_id)
        return {"server": str(data["server"]), "key": str(data["key"]), "ts": str(data["ts"])}

    def _events(self, updates: list[dict[str, Any]]) -> tuple[list[IncomingMessage], list[Change]]:
        messages: list[IncomingMessage] = []
        changes: list[Change] = []
        for event in updates:
            m, c = self.event_to_items(event)
            messages += m
            changes += c
        return self.resolve_authors(messages), changes

    def event_to_items(self, event: dict[str, Any]) -> tuple[list[IncomingMessage], list[Change]]:
        """One Long Poll / Callback API event -> messages and changes (unknown types are ignored)."""
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "wall_reply_new":
            if int(obj.get("from_id") or 0) == self.owner_id:
                return [], []
            root = (obj.get("parents_stack") or [0])[0]
            return [self._comment_message(obj, int(obj["post_id"]), int(root or 0))], []
        if kind == "wall_reply_edit":
            key = comment_key(self.owner_id, int(obj["post_id"]), int(obj["id"]))
            return [], [Change("vk", key, "edited", str(obj.get("text") or ""), _when(obj.get("date")))]
        if kind == "wall_reply_delete":
            key = comment_key(self.owner_id, int(obj["post_id"]), int(obj["id"]))
            return [], [Change("vk", key, "deleted")]
        if kind == "wall_reply_restore":
            key = comment_key(self.owner_id, int(obj["post_id"]), int(obj["id"]))
            return [], [Change("vk", key, "restored", str(obj.get("text") or ""))]
        if kind == "wall_post_new" and int(obj.get("from_id") or 0) > 0:
            return [self._post_message(obj)], []
        if kind in BOARD_EVENTS or kind in PHOTO_EVENTS:
            messages, changes = self.discussion_event(str(kind), obj)
            return messages, changes
        if kind == "message_new":
            inner = obj.get("message")
            message: dict[str, Any] = inner if isinstance(inner, dict) else obj  # before 5.103: the message itself
            peer = int(message.get("peer_id") or 0)
            if int(message.get("out") or 0) or not 0 < peer < CHAT_PEERS or int(message.get("from_id") or 0) <= 0:
                return [], []  # our own answers and group chats are not citizens' messages to the community
            return [self._direct_message(message)], []
        return [], []

    # -- conversion -------------------------------------------------------------------

    def _remember_names(self, data: dict[str, Any]) -> None:
        """Keep the authors an ``extended=1`` answer (or users.get / groups.getById) brought."""
        for profile in data.get("profiles") or []:
            self._names[int(profile["id"])] = (
                f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip(),
                str(profile.get("screen_name") or ""),
            )
        for group in data.get("groups") or []:
            self._names[-int(group["id"])] = (str(group.get("name") or ""), str(group.get("screen_name") or ""))

    def _lookup_kind(self) -> str:
        # users.get and groups.getById take any key; the community key has the larger budget.
        return "group" if self.community_token else "service"

    def resolve_authors(self, messages: list[IncomingMessage]) -> list[IncomingMessage]:
        """Fill in author names and profile links that events do not carry.

        Long Poll and Callback events give only ``from_id``; the names are asked for in
        batches (users.get: 1000 ids, groups.getById: 500) and kept for the rest of the
        run. A permanent refusal leaves the names empty rather than losing messages; a
        transient one is raised, so the batch is read again.
        """
        unknown = {int(m.author_id) for m in messages if m.author_id.lstrip("-").isdigit() and not m.author_name}
        unknown = {i for i in unknown if i and i not in self._names}
        users = sorted(i for i in unknown if i > 0)
        groups = sorted(-i for i in unknown if i < 0)
        try:
            for i in range(0, len(users), USERS_PER_CALL):
                chunk = users[i : i + USERS_PER_CALL]
                found = self.api("users.get", self._lookup_kind(), user_ids=chunk, fields="screen_name")
                self._remember_names({"profiles": found or []})
            for i in range(0, len(groups), GROUPS_PER_CALL):
                chunk = groups[i : i + GROUPS_PER_CALL]
                found = self.api("groups.getById", self._lookup_kind(), group_ids=chunk)
                self._remember_names(found if isinstance(found, dict) else {"groups": found or []})
        except ConnectorError as exc:
            if not exc.permanent:
                raise
            log.warning("VK %s: author names not resolved: %s", self.account.key, exc.message)
        for i in unknown:
            self._names.setdefault(i, ("", ""))  # asked once per run, even when VK did not know it
        result = []
        for message in messages:
            if message.author_name or not message.author_id.lstrip("-").isdigit():
                result.append(message)
                continue
            _, name, url = self._author(int(message.author_id))
            result.append(dataclasses.replace(message, author_name=name, author_url=url))
        return result

    def _author(self, from_id: int) -> tuple[str, str, str]:
        name, screen = self._names.get(from_id, ("", ""))
        url = f"https://vk.com/{screen or ('id' + str(from_id) if from_id > 0 else 'club' + str(-from_id))}"
        return str(from_id), name, url

    def _post_message(self, post: dict[str, Any]) -> IncomingMessage:
        author_id, name, url = self._author(int(post.get("from_id") or 0))
        return IncomingMessage(
            network="vk", source_key=post_key(self.owner_id, int(post["id"])), text=str(post.get("text") or ""),
            published_at=_when(post.get("date")), url=f"https://vk.com/wall{self.owner_id}_{post['id']}",
            author_id=author_id, author_name=name, author_url=url, attachments=_attachments(post.get("attachments")),
            raw=post,
        )  # fmt: skip

    def _comment_message(self, item: dict[str, Any], post_id: int, root_id: int) -> IncomingMessage:
        author_id, name, url = self._author(int(item.get("from_id") or 0))
        cid = int(item["id"])
        return IncomingMessage(
            network="vk", source_key=comment_key(self.owner_id, post_id, cid), text=str(item.get("text") or ""),
            published_at=_when(item.get("date")), url=comment_url(self.owner_id, post_id, cid, root_id),
            author_id=author_id, author_name=name, author_url=url, attachments=_attachments(item.get("attachments")),
            parent_key=post_key(self.owner_id, post_id), raw=item,
        )  # fmt: skip

    def _direct_message(self, m: dict[str, Any]) -> IncomingMessage:
        author_id, name, url = self._author(int(m["from_id"]))
        peer, mid = int(m["peer_id"]), int(m["id"])
        return IncomingMessage(
            network="vk", source_key=message_key(self.owner_id, peer, mid), text=str(m.get("text") or ""),
            published_at=_when(m.get("date")), url=message_url(self.group_id, peer, mid), author_id=author_id,
            author_name=name, author_url=url, attachments=_attachments(m.get("attachments")), raw=m,
        )  # fmt: skip

    # -- publication --------------------------------------------------------------------

    def publish(self, reply: Reply) -> Published:
        if MSG_KEY_RE.match(reply.target_key):
            return self._send_message(reply)
        if is_discussion_key(reply.target_key):
            return self.publish_discussion(reply)
        owner_id, post_id, comment_id = parse_key(reply.target_key)
        if owner_id != self.owner_id:
            return self._comment_elsewhere(reply, owner_id, post_id, comment_id)
        _refuse_other_files(reply, "комментарию")
        attachments = self._uploaded(reply, self._upload)
        result = self.api(
            "wall.createComment", "group", owner_id=self.owner_id, post_id=post_id, from_group=self.group_id,
            message=reply.text, reply_to_comment=comment_id or None, attachments=attachments or None,
            guid=reply.idempotency_key,
        )  # fmt: skip
        new_id = int(result["comment_id"])
        root = (result.get("parents_stack") or [0])[0]
        return Published(
            comment_key(self.owner_id, post_id, new_id), comment_url(self.owner_id, post_id, new_id, int(root or 0))
        )

    def _comment_elsewhere(self, reply: Reply, owner_id: int, post_id: int, comment_id: int) -> Published:
        """Answer on another community's wall, on behalf of the official community.

        Only an administrator's user key may post with ``from_group`` outside the own
        community. Where that wall does not take it (comments closed, no comments from
        communities, links forbidden, ...) the error is permanent and says why, so the
        case offers to place the answer by hand.
        """
        _refuse_other_files(reply, "комментарию")
        try:
            attachments = self._uploaded(reply, self._upload)
            result = self.api(
                "wall.createComment", "user", owner_id=owner_id, post_id=post_id, from_group=self.group_id,
                message=reply.text, reply_to_comment=comment_id or None, attachments=attachments or None,
                guid=reply.idempotency_key,
            )  # fmt: skip
        except ConnectorError as exc:
            if exc.permanent and exc.code in ELSEWHERE_REFUSALS:
                raise ConnectorError(
                    f"ВКонтакте: сообщество, где написано сообщение, не принимает ответ от имени официального "
                    f"сообщества — {ELSEWHERE_REFUSALS[int(exc.code or 0)]} (ошибка {exc.code}). "
                    "Разместите ответ вручную.",
                    permanent=True, code=exc.code,
                ) from exc  # fmt: skip
            raise
        new_id = int(result["comment_id"])
        root = (result.get("parents_stack") or [0])[0]
        return Published(comment_key(owner_id, post_id, new_id), comment_url(owner_id, post_id, new_id, int(root or 0)))

    def _upload(self, file: Any) -> str:
        return self._upload_photo(file) if file.kind == "photo" else self._upload_video(file)

    @staticmethod
    def _uploaded(reply: Reply, upload: Callable[[Any], str]) -> list[str]:
        """The reply's files as attachments (``photo…``, ``video…``), uploading only those an
        earlier attempt has not: each one uploaded is written to the publication's journal
        (``reply.parts``) at once, so a retried delivery leaves no spare copies behind."""
        done = [p for p in reply.parts or [] if p.startswith(("photo", "video"))]
        save = reply.save_parts or (lambda parts: None)
        out: list[str] = []
        for i, file in enumerate(reply.files):
            out.append(done[i] if i < len(done) else upload(file))
            if i >= len(done):
                save(list(out))
        return out

    def _upload_video(self, file: Any, *, private: bool = False) -> str:
        """§20: ``video.save`` into the community's videos, POST the file to its
        ``upload_url``, attach as ``video<owner>_<id>``. A video for a private message is
        saved with ``is_private`` and attached with its access key.

        A retried delivery takes the video from the publication's journal (``_uploaded``).
        """
        saved = self.api(
            "video.save", "user", group_id=self.group_id, name=file.name[:128], wallpost=0,
            is_private=1 if private else 0,
        )  # fmt: skip
        self.call(lambda: self.client.upload_video(saved["upload_url"], file.name, file.content, file.content_type))
        ref = f"video{saved['owner_id']}_{saved['video_id']}"
        return f"{ref}_{saved['access_key']}" if private and saved.get("access_key") else ref

    def _upload_photo(self, file: Any) -> str:
        server = self.api("photos.getWallUploadServer", "user", group_id=self.group_id)
        uploaded = self.call(
            lambda: self.client.upload(server["upload_url"], "photo", file.name, file.content, file.content_type)
        )
        saved = self.api(
            "photos.saveWallPhoto", "user", group_id=self.group_id, server=uploaded["server"],
            photo=uploaded["photo"], hash=uploaded["hash"],
        )  # fmt: skip
        photo = saved[0]
        return f"photo{photo['owner_id']}_{photo['id']}"

    def _send_message(self, reply: Reply) -> Published:
        """Answer a private message from the community, as a reply to it.

        ``random_id`` comes from the publication, so a retry after a lost answer is not
        sent twice. A person who has not allowed the community to write answers 901.
        """
        owner_id, peer, mid = _parse_message_key(reply.target_key)
        if owner_id != self.owner_id:
            raise ConnectorError("ВКонтакте: сообщение написано другому сообществу", permanent=True, code="wrong_wall")
        _refuse_other_files(reply, "сообщению")
        attachments = self._uploaded(
            reply,
            lambda f: self._upload_message_photo(f, peer) if f.kind == "photo" else self._upload_video(f, private=True),
        )
        new_id = self.api(
            "messages.send", "group", peer_id=peer, random_id=random_id_for(reply.idempotency_key),
            message=reply.text, reply_to=mid, attachment=attachments or None,
        )  # fmt: skip
        new_id = int(new_id if not isinstance(new_id, dict) else new_id.get("message_id") or 0)
        return Published(message_key(self.owner_id, peer, new_id), message_url(self.group_id, peer, new_id))

    def _upload_message_photo(self, file: Any, peer: int) -> str:
        server = self.api("photos.getMessagesUploadServer", "group", peer_id=peer)
        uploaded = self.call(
            lambda: self.client.upload(server["upload_url"], "photo", file.name, file.content, file.content_type)
        )
        saved = self.api(
            "photos.saveMessagesPhoto", "group", server=uploaded["server"], photo=uploaded["photo"],
            hash=uploaded["hash"],
        )  # fmt: skip
        return f"photo{saved[0]['owner_id']}_{saved[0]['id']}"

    def _find_sent_message(self, reply: Reply) -> Published | None:
        """The conversation's latest messages: ours with this publication's ``random_id``?"""
        _owner, peer, _mid = _parse_message_key(reply.target_key)
        wanted = random_id_for(reply.idempotency_key)
        page = self.api("messages.getHistory", "group", peer_id=peer, count=200, group_id=self.group_id)
        for item in page.get("items") or []:
            if int(item.get("out") or 0) and int(item.get("random_id") or 0) == wanted:
                mid = int(item["id"])
                return Published(message_key(self.owner_id, peer, mid), message_url(self.group_id, peer, mid))
        return None

    def find_published(self, reply: Reply) -> Published | None:
        """Search the target's post for a comment of ours with the same text."""
        if MSG_KEY_RE.match(reply.target_key):
            return self._find_sent_message(reply)
        if is_discussion_key(reply.target_key):
            return self.find_published_discussion(reply)
        owner_id, post_id, _comment_id = parse_key(reply.target_key)
        offset = 0
        found: list[tuple[int, int]] = []
        while True:
            page = self.api(
                "wall.getComments", "service", owner_id=owner_id, post_id=post_id, offset=offset,
                count=self.page_size, sort="asc", thread_items_count=10, preview_length=0,
            )  # fmt: skip
            items = page.get("items") or []
            for item in items:
                candidates = [(item, 0)] + [(r, int(item["id"])) for r in (item.get("thread") or {}).get("items") or []]
                if int((item.get("thread") or {}).get("count") or 0) > 10:
                    candidates += [(r, int(item["id"])) for r in self._thread_items(post_id, int(item["id"]), owner_id)]
                for c, root in candidates:
                    if int(c.get("from_id") or 0) == self.own_id and str(c.get("text") or "") == reply.text:
                        found.append((int(c["id"]), root))
            offset += len(items)
            if not items or offset >= int(page.get("current_level_count") or 0):
                break
        if not found:
            return None
        cid, root = found[-1]
        return Published(comment_key(owner_id, post_id, cid), comment_url(owner_id, post_id, cid, root))

    def _thread_items(self, post_id: int, root_id: int, owner_id: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.api(
                "wall.getComments", "service", owner_id=owner_id, post_id=post_id, comment_id=root_id,
                offset=len(items), count=self.page_size, sort="asc", preview_length=0,
            )  # fmt: skip
            got = page.get("items") or []
            items += got
            if not got or len(items) >= int(page.get("current_level_count") or 0):
                return items


def _refuse_other_files(reply: Reply, where: str) -> None:
    if any(f.kind not in ("photo", "video") for f in reply.files):
        raise ConnectorError(
            f"ВКонтакте: к {where} можно приложить только фото и видео", permanent=True, code="attachment_type"
        )
