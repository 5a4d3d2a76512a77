"""Third-party VK communities a municipality watches («Подслушано …», district groups).

They are read with the official account's keys — the VK app's service key reads any
open community's wall and comments (3 requests/s per key, shared with the own wall) —
and answered on behalf of the official community where the community allows it
(see :meth:`VkConnector._comment_elsewhere`). Closed communities cannot be read with a
service key and are refused when added.

Comment counts of many posts are read with ``execute`` (up to 25 API calls in one
request), so a scan of a quiet community costs one ``wall.get`` plus one ``execute``
per 25 changed posts instead of one request per post.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from otklik.connectors.base import ConnectorError, IncomingMessage
from otklik.connectors.vk.connector import VkConnector

EXECUTE_CALLS = 25  # VK runs at most 25 API calls inside one execute
_NUMERIC = re.compile(r"^(?:club|public|event)(\d+)$")
_SCREEN = re.compile(r"^[A-Za-z0-9_.]{2,64}$")


class LinkError(ValueError):
    """A link that does not name a VK community (the message is for people)."""


def parse_community_link(link: str) -> str:
    """``https://vk.com/podslushano_geo`` -> ``podslushano_geo``; ``vk.com/club123`` -> ``123``."""
    text = (link or "").strip()
    if not text:
        raise LinkError("Вставьте ссылку на сообщество, например https://vk.com/podslushano_geo")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if host not in ("vk.com", "vk.ru", "vkontakte.ru"):
        raise LinkError("Это не ссылка ВКонтакте: нужна ссылка вида https://vk.com/имя_сообщества")
    name = parts.path.strip("/").split("/")[0]
    numeric = _NUMERIC.match(name)
    if numeric:
        return numeric[1]
    if not _SCREEN.match(name) or name.startswith(("id", "wall")) and name[2:].lstrip("-").replace("_", "").isdigit():
        raise LinkError("По ссылке не видно сообщества: откройте сообщество ВКонтакте и скопируйте адрес его страницы")
    return name


@dataclass(frozen=True)
class CommunityInfo:
    id: int
    name: str
    screen_name: str
    members_count: int | None
    is_closed: bool
    deactivated: str = ""

    @property
    def url(self) -> str:
        return f"https://vk.com/{self.screen_name or 'club' + str(self.id)}"

    @property
    def refusal(self) -> str:
        """Why it cannot be watched (empty: it can)."""
        if self.deactivated:
            return f"Сообщество «{self.name}» удалено или заблокировано ВКонтакте — читать нечего."
        if self.is_closed:
            return (
                f"Сообщество «{self.name}» закрытое: его записи видны только участникам, а ключ приложения "
                "читает лишь открытые сообщества. Наблюдать можно только открытое сообщество."
            )
        return ""


def describe_community(connector: VkConnector, link_or_id: str) -> CommunityInfo:
    """Name, members and «открыто/закрыто» of a community (groups.getById with the service key)."""
    try:
        data = connector.api("groups.getById", "service", group_id=link_or_id, fields="members_count")
    except ConnectorError as exc:
        if exc.code in (100, 125):
            raise ConnectorError(
                "ВКонтакте: сообщество по этой ссылке не найдено", permanent=True, code=exc.code
            ) from exc
        raise
    groups = data.get("groups") if isinstance(data, dict) else data
    if not groups:
        raise ConnectorError("ВКонтакте: сообщество по этой ссылке не найдено", permanent=True, code=104)
    g = groups[0]
    members = g.get("members_count")
    return CommunityInfo(
        id=int(g["id"]), name=str(g.get("name") or ""), screen_name=str(g.get("screen_name") or ""),
        members_count=int(members) if members is not None else None, is_closed=bool(int(g.get("is_closed") or 0)),
        deactivated=str(g.get("deactivated") or ""),
    )  # fmt: skip


class VkWatchedConnector(VkConnector):
    """Reads another community's wall with the official account's keys (wall scan only)."""

    def __init__(self, *args: Any, group_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner_id = -abs(int(group_id))  # the watched wall; ``own_id`` stays the official community
        self.mode = "wall"
        self.scan_parts = ("wall",)

    def _wants_post(self, post: dict[str, Any]) -> bool:
        # Here the community's own posts are mostly people's messages it published («Подслушано»).
        return int(post.get("from_id") or 0) != self.own_id

    def _post_message(self, post: dict[str, Any]) -> IncomingMessage:
        signer = int(post.get("signer_id") or 0)
        return super()._post_message({**post, "from_id": signer} if signer else post)

    def _post_comments_many(self, post_ids: list[int]) -> dict[int, dict[str, Any]]:
        """First pages of comments of several posts in one ``execute`` request."""
        calls = [
            "API.wall.getComments("
            + json.dumps(
                {
                    "owner_id": self.owner_id,
                    "post_id": pid,
                    "count": self.page_size,
                    "sort": "asc",
                    "thread_items_count": 10,
                    "extended": 1,
                    "preview_length": 0,
                }
            )  # fmt: skip
            + ")"
            for pid in post_ids
        ]
        answer = self.api("execute", "service", code="return [" + ",".join(calls) + "];")
        pages = answer if isinstance(answer, list) else []
        return {pid: page for pid, page in zip(post_ids, pages, strict=False) if isinstance(page, dict)}

    def _before_comments(self, posts: list[dict[str, Any]], known: dict[str, int]) -> None:
        """Read, 25 at a time, the first comment pages of the posts whose count changed."""
        changed = [
            int(p["id"]) for p in posts
            if int((p.get("comments") or {}).get("count") or 0) != (known.get(str(p["id"])) or 0)
        ]  # fmt: skip
        for i in range(0, len(changed), EXECUTE_CALLS):
            self._prefetched.update(self._post_comments_many(changed[i : i + EXECUTE_CALLS]))
