"""The fake VK's discussion boards and photo comments (mixed into FakeVk).

Shapes from vk-api-schema 5.199 (``board/``, ``photos/`` methods and responses,
``callback/objects.json`` for ``board_post_*`` and ``photo_comment_*`` events).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

TOKEN_TYPES: dict[str, tuple[str, ...]] = {
    "board.getTopics": ("user", "service"),
    "board.getComments": ("user", "service"),
    "board.createComment": ("user",),
    "photos.getAllComments": ("user",),
    "photos.getComments": ("user", "service"),
    "photos.createComment": ("user",),
}


class FakeVkDiscussions:
    if TYPE_CHECKING:
        group_id: int
        owner_id: int
        lock: Any
        clock: Any
        _ids: Any

        def _event(self, type: str, obj: dict[str, Any]) -> None: ...
        def _profiles(self, from_ids: set[int]) -> dict[str, list[dict[str, Any]]]: ...

    def _init_discussions(self) -> None:
        self.topics: dict[int, dict[str, Any]] = {}
        self.board_comments: dict[int, list[dict[str, Any]]] = {}  # topic id -> comments
        self.photo_comments: dict[int, list[dict[str, Any]]] = {}  # photo id -> comments
        self.discussion_published: list[dict[str, Any]] = []

    # -- the world ----------------------------------------------------------------------

    def add_topic(self, title: str) -> int:
        with self.lock:
            tid = next(self._ids)
            self.topics[tid] = {"id": tid, "title": title, "created": self.clock.now(), "created_by": self.owner_id,
                                "updated": self.clock.now(), "updated_by": self.owner_id, "is_closed": 0,
                                "is_fixed": 0}  # fmt: skip
            self.board_comments[tid] = []
            return tid

    def add_board_comment(self, topic_id: int, text: str, *, from_id: int = 501, guid: str = "") -> dict[str, Any]:
        with self.lock:
            comment = {"id": next(self._ids), "from_id": from_id, "date": self.clock.now(), "text": text, "guid": guid}
            self.board_comments[topic_id].append(comment)
            self.topics[topic_id]["updated"] = comment["date"]
            self._event("board_post_new", {**self._public(comment), "topic_owner_id": self.owner_id,
                                           "topic_id": topic_id})  # fmt: skip
            return comment

    def add_photo(self) -> int:
        with self.lock:
            pid = next(self._ids)
            self.photo_comments[pid] = []
            return pid

    def add_photo_comment(self, photo_id: int, text: str, *, from_id: int = 501, guid: str = "") -> dict[str, Any]:
        with self.lock:
            comment = {"id": next(self._ids), "from_id": from_id, "date": self.clock.now(), "text": text, "guid": guid,
                       "pid": photo_id}  # fmt: skip
            self.photo_comments[photo_id].append(comment)
            self._event("photo_comment_new", {**self._public(comment), "photo_owner_id": self.owner_id,
                                              "photo_id": photo_id})  # fmt: skip
            return comment

    @staticmethod
    def _public(comment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in comment.items() if k not in ("guid", "pid")}

    # -- methods -------------------------------------------------------------------------

    def _m_board_getTopics(self, p: dict[str, str], token: Any, fault: Any) -> dict[str, Any]:
        if int(p.get("group_id") or 0) != self.group_id:
            raise _error(100)
        topics = sorted(self.topics.values(), key=lambda t: -t["updated"])[: min(int(p.get("count") or 40), 100)]
        items = [{**t, "comments": len(self.board_comments[t["id"]])} for t in topics]
        return {"count": len(self.topics), "items": items, "default_order": 1, "can_add_topics": 1}

    def _m_board_getComments(self, p: dict[str, str], token: Any, fault: Any) -> dict[str, Any]:
        comments = self.board_comments.get(int(p.get("topic_id") or 0))
        if comments is None or int(p.get("group_id") or 0) != self.group_id:
            raise _error(100)
        ordered = sorted(comments, key=lambda c: c["id"], reverse=p.get("sort") == "desc")
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 20), 100)
        page = ordered[offset : offset + count]
        if fault and fault.kind == "partial":
            page = page[: len(page) // 2]
        result: dict[str, Any] = {"count": len(comments), "items": [self._public(c) for c in page]}
        if p.get("extended") in ("1", "true"):
            result.update(self._profiles({c["from_id"] for c in page}))
        return result

    def _m_board_createComment(self, p: dict[str, str], token: Any, fault: Any) -> int:
        topic_id = int(p.get("topic_id") or 0)
        if topic_id not in self.topics or int(p.get("group_id") or 0) != self.group_id or not p.get("message"):
            raise _error(100)
        for c in self.board_comments[topic_id]:
            if p.get("guid") and c["guid"] == p.get("guid"):
                return int(c["id"])
        from_id = self.owner_id if int(p.get("from_group") or 0) else 9000
        comment = self.add_board_comment(topic_id, p["message"], from_id=from_id, guid=p.get("guid", ""))
        self.discussion_published.append(comment)
        return int(comment["id"])

    def _m_photos_getAllComments(self, p: dict[str, str], token: Any, fault: Any) -> dict[str, Any]:
        if int(p.get("owner_id") or 0) != self.owner_id:
            raise _error(100)
        every = sorted((c for cs in self.photo_comments.values() for c in cs), key=lambda c: -c["id"])
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 20), 100)
        page = every[offset : offset + count]
        return {"count": len(every), "items": [{**self._public(c), "pid": c["pid"]} for c in page]}

    def _m_photos_getComments(self, p: dict[str, str], token: Any, fault: Any) -> dict[str, Any]:
        comments = self.photo_comments.get(int(p.get("photo_id") or 0))
        if comments is None or int(p.get("owner_id") or 0) != self.owner_id:
            raise _error(100)
        ordered = sorted(comments, key=lambda c: c["id"], reverse=p.get("sort") == "desc")
        offset, count = int(p.get("offset") or 0), min(int(p.get("count") or 20), 100)
        return {"count": len(comments), "items": [self._public(c) for c in ordered[offset : offset + count]]}

    def _m_photos_createComment(self, p: dict[str, str], token: Any, fault: Any) -> int:
        photo_id = int(p.get("photo_id") or 0)
        if photo_id not in self.photo_comments or int(p.get("owner_id") or 0) != self.owner_id or not p.get("message"):
            raise _error(100)
        for c in self.photo_comments[photo_id]:
            if p.get("guid") and c["guid"] == p.get("guid"):
                return int(c["id"])
        from_id = self.owner_id if int(p.get("from_group") or 0) else 9000
        comment = self.add_photo_comment(photo_id, p["message"], from_id=from_id, guid=p.get("guid", ""))
        self.discussion_published.append(comment)
        return int(comment["id"])


def _error(code: int) -> Exception:
    from otklik.connectors.vk.fake import VkFakeError

    return VkFakeError(code)
