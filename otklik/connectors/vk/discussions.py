"""VK: discussion boards and photo comments of the official community (a part of VkConnector).

Read by Bots Long Poll / Callback events (``board_post_new|edit|delete``,
``photo_comment_new|edit|delete``) and, when the account's ``scan`` credential lists
``boards`` / ``photos``, by a periodic scan (``board.getTopics`` + ``board.getComments``
with the service key; ``photos.getAllComments`` with the administrator's key).
Answers: ``board.createComment`` / ``photos.createComment`` on behalf of the community
(``from_group``, administrator's key, ``guid`` against double posting).

Keys: a board comment ``topic-<group>_<topic>_<comment>`` (its topic ``topic-<group>_<topic>``),
a photo comment ``photo-<group>_<photo>_<comment>`` (its photo ``photo-<group>_<photo>``).
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from otklik.connectors.base import Batch, Change, ConnectorError, IncomingMessage, Published, Reply
from otklik.connectors.vk.shapes import attachments, when

BOARD_KEY_RE = re.compile(r"^topic(-\d+)_(\d+)_(\d+)$")
PHOTO_KEY_RE = re.compile(r"^photo(-\d+)_(\d+)_(\d+)$")
BOARD_EVENTS = ("board_post_new", "board_post_edit", "board_post_restore", "board_post_delete")
PHOTO_EVENTS = ("photo_comment_new", "photo_comment_edit", "photo_comment_restore", "photo_comment_delete")


def board_key(owner_id: int, topic_id: int, comment_id: int) -> str:
    return f"topic{owner_id}_{topic_id}_{comment_id}"


def photo_key(owner_id: int, photo_id: int, comment_id: int) -> str:
    return f"photo{owner_id}_{photo_id}_{comment_id}"


def is_discussion_key(key: str) -> bool:
    return bool(BOARD_KEY_RE.match(key) or PHOTO_KEY_RE.match(key))


class VkDiscussions:
    """Boards and photo comments; mixed into :class:`VkConnector` (which provides the attributes)."""

    if TYPE_CHECKING:
        group_id: int
        owner_id: int
        own_id: int
        page_size: int
        scan_parts: tuple[str, ...]

        def api(self, method: str, kind: str, **params: Any) -> Any: ...
        def resolve_authors(self, messages: list[IncomingMessage]) -> list[IncomingMessage]: ...
        def _author(self, from_id: int) -> tuple[str, str, str]: ...
        def _remember_names(self, data: dict[str, Any]) -> None: ...

    # -- events ---------------------------------------------------------------------------

    def discussion_event(self, kind: str, obj: dict[str, Any]) -> tuple[list[IncomingMessage], list[Change]]:
        if kind in BOARD_EVENTS:
            owner, parent = int(obj.get("topic_owner_id") or self.owner_id), int(obj.get("topic_id") or 0)
            key = board_key(owner, parent, int(obj.get("id") or 0))
        else:
            owner, parent = (
                int(obj.get("photo_owner_id") or obj.get("owner_id") or self.owner_id),
                int(obj.get("photo_id") or 0),
            )
            key = photo_key(owner, parent, int(obj.get("id") or 0))
        if kind.endswith("_delete"):
            return [], [Change("vk", key, "deleted")]
        text = str(obj.get("text") or "")
        if kind.endswith("_edit"):
            return [], [Change("vk", key, "edited", text, when(obj.get("date")))]
        if kind.endswith("_restore"):
            return [], [Change("vk", key, "restored", text)]
        if int(obj.get("from_id") or 0) in (self.owner_id, self.own_id):
            return [], []  # the community's own answers
        if kind in BOARD_EVENTS:
            return [self._board_message(obj, owner, parent)], []
        return [self._photo_message(obj, owner, parent)], []

    def _board_message(self, item: dict[str, Any], owner: int, topic_id: int) -> IncomingMessage:
        key = board_key(owner, topic_id, int(item["id"]))
        return self._discussion_message(item, key, f"topic{owner}_{topic_id}", "post")

    def _photo_message(self, item: dict[str, Any], owner: int, photo_id: int) -> IncomingMessage:
        key = photo_key(owner, photo_id, int(item["id"]))
        return self._discussion_message(item, key, f"photo{owner}_{photo_id}", "reply")

    def _discussion_message(self, item: dict[str, Any], key: str, parent: str, anchor: str) -> IncomingMessage:
        """A board or photo comment: ``parent`` is its topic or photo, ``anchor`` the link's comment parameter."""
        author_id, name, url = self._author(int(item.get("from_id") or 0))
        return IncomingMessage(
            network="vk", source_key=key, text=str(item.get("text") or ""), published_at=when(item.get("date")),
            url=f"https://vk.com/{parent}?{anchor}={int(item['id'])}", author_id=author_id, author_name=name,
            author_url=url, attachments=attachments(item.get("attachments")), parent_key=parent, raw=item,
        )  # fmt: skip

    # -- periodic scans -------------------------------------------------------------------

    def _scan_boards(self, cursor: dict[str, Any]) -> Generator[Batch, None, dict[str, Any]]:
        """Topics whose comment count changed: their comments newer than the last one seen
        (``topics``: topic id -> [comment count, last comment id]), read newest first."""
        known: dict[str, list[int]] = {k: list(v) for k, v in (cursor.get("topics") or {}).items()}
        data = self.api("board.getTopics", "service", group_id=self.group_id, order=1, count=100, preview=0)
        seen: set[str] = set()
        for topic in data.get("items") or []:
            tid = str(topic["id"])
            seen.add(tid)
            count = int(topic.get("comments") or 0)
            before_count, last = known.get(tid) or [-1, 0]
            if before_count == count:
                continue
            messages: list[IncomingMessage] = []
            newest, offset = last, 0
            while True:
                page = self.api(
                    "board.getComments", "service", group_id=self.group_id, topic_id=int(tid), offset=offset,
                    count=self.page_size, sort="desc", extended=1,
                )  # fmt: skip
                self._remember_names(page)
                items = page.get("items") or []
                fresh = [i for i in items if int(i["id"]) > last]
                for item in fresh:
                    newest = max(newest, int(item["id"]))
                    if int(item.get("from_id") or 0) not in (self.owner_id, self.own_id):
                        messages.append(self._board_message(item, self.owner_id, int(tid)))
                offset += len(items)
                if not items or len(fresh) < len(items) or offset >= int(page.get("count") or 0):
                    break
            known[tid] = [count, newest]
            yield Batch(self.resolve_authors(messages), {**cursor, "topics": dict(known)})
        cursor = {**cursor, "topics": {k: v for k, v in known.items() if k in seen}}
        yield Batch([], cursor)
        return cursor

    def _scan_photo_comments(self, cursor: dict[str, Any]) -> Generator[Batch, None, dict[str, Any]]:
        """New comments under the community's photos, newest first, down to the last one seen."""
        last = int(cursor.get("photo_comment") or 0)
        newest = last
        offset = 0
        messages: list[IncomingMessage] = []
        while True:
            page = self.api(
                "photos.getAllComments", "user", owner_id=self.owner_id, offset=offset, count=self.page_size
            )
            items = page.get("items") or []
            fresh = [i for i in items if int(i["id"]) > last]
            for item in fresh:
                newest = max(newest, int(item["id"]))
                if int(item.get("from_id") or 0) not in (self.owner_id, self.own_id):
                    messages.append(self._photo_message(item, self.owner_id, int(item.get("pid") or 0)))
            offset += len(items)
            if not items or len(fresh) < len(items) or offset >= int(page.get("count") or 0):
                break
        cursor = {**cursor, "photo_comment": newest}
        yield Batch(self.resolve_authors(messages), cursor)
        return cursor

    def _scan_discussions(self, cursor: dict[str, Any]) -> Generator[Batch, None, dict[str, Any]]:
        if "boards" in self.scan_parts:
            cursor = yield from self._scan_boards(cursor)
        if "photos" in self.scan_parts:
            cursor = yield from self._scan_photo_comments(cursor)
        return cursor

    # -- publication ------------------------------------------------------------------------

    def publish_discussion(self, reply: Reply) -> Published:
        if reply.files:
            raise ConnectorError(
                "ВКонтакте: к ответу в обсуждении или под фото вложения не прикладываются — только текст",
                permanent=True, code="attachment_type",
            )  # fmt: skip
        board = BOARD_KEY_RE.match(reply.target_key)
        if board:
            owner, topic, comment = int(board[1]), int(board[2]), int(board[3])
            text = f"[post{comment}|Ответ], {reply.text}" if comment else reply.text
            new = int(self.api("board.createComment", "user", group_id=-owner, topic_id=topic, message=text,
                               from_group=1, guid=reply.idempotency_key))  # fmt: skip
            return Published(board_key(owner, topic, new), f"https://vk.com/topic{owner}_{topic}?post={new}")
        photo = PHOTO_KEY_RE.match(reply.target_key)
        if not photo:
            raise ConnectorError(f"ВКонтакте: непонятный ключ сообщения «{reply.target_key}»", permanent=True)
        owner, pid, comment = int(photo[1]), int(photo[2]), int(photo[3])
        new = int(self.api("photos.createComment", "user", owner_id=owner, photo_id=pid, message=reply.text,
                           reply_to_comment=comment or None, from_group=1, guid=reply.idempotency_key))  # fmt: skip
        return Published(photo_key(owner, pid, new), f"https://vk.com/photo{owner}_{pid}?reply={new}")

    def find_published_discussion(self, reply: Reply) -> Published | None:
        """Our comment with the same text among the topic's or photo's latest comments."""
        board = BOARD_KEY_RE.match(reply.target_key)
        if board:
            owner, topic = int(board[1]), int(board[2])
            page = self.api("board.getComments", "service", group_id=-owner, topic_id=topic, count=100, sort="desc")
            for item in page.get("items") or []:
                if int(item.get("from_id") or 0) == self.own_id and str(item.get("text") or "").endswith(reply.text):
                    cid = int(item["id"])
                    return Published(board_key(owner, topic, cid), f"https://vk.com/topic{owner}_{topic}?post={cid}")
            return None
        photo = PHOTO_KEY_RE.match(reply.target_key)
        assert photo is not None
        owner, pid = int(photo[1]), int(photo[2])
        page = self.api("photos.getComments", "service", owner_id=owner, photo_id=pid, count=100, sort="desc")
        for item in page.get("items") or []:
            if int(item.get("from_id") or 0) == self.own_id and str(item.get("text") or "") == reply.text:
                cid = int(item["id"])
                return Published(photo_key(owner, pid, cid), f"https://vk.com/photo{owner}_{pid}?reply={cid}")
        return None
