"""Third-party OK groups a municipality watches, within what the OK API allows.

With the application's keys and the administrator's token the API reads the feed
(``mediatopic.getTopics``) and the discussions of an **open** group; closed and secret
groups are for members only and are refused when added. Answering there "as the group"
is not possible (``discussions.comment`` with ``as_admin`` works only in the group the
token administers), so a case from a watched OK group always takes the manual path.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from otklik.connectors.base import ConnectorError
from otklik.connectors.ok.connector import OkConnector
from otklik.connectors.vk.watched import CommunityInfo, LinkError

_GROUP_PATH = re.compile(r"^group/(\d+)")
_SHORT_NAME = re.compile(r"^[A-Za-z0-9_.]{2,64}$")


def parse_group_link(link: str) -> tuple[str, str]:
    """``https://ok.ru/group/70000001`` -> ("id", "70000001"); ``ok.ru/podslushano`` -> ("name", "podslushano")."""
    text = (link or "").strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if host not in ("ok.ru", "odnoklassniki.ru"):
        raise LinkError("Это не ссылка Одноклассников: нужна ссылка вида https://ok.ru/group/номер")
    path = parts.path.strip("/")
    numeric = _GROUP_PATH.match(path)
    if numeric:
        return "id", numeric[1]
    name = path.split("/")[0]
    if not _SHORT_NAME.match(name) or name in ("profile", "group", "dk"):
        raise LinkError("По ссылке не видно группы: откройте группу в Одноклассниках и скопируйте адрес её страницы")
    return "name", name


def describe_group(connector: OkConnector, link: str) -> CommunityInfo:
    """Name, members and open/closed of a group (url.getInfo for a short name, then group.getInfo)."""
    kind, value = parse_group_link(link)
    if kind == "name":
        try:
            found = connector.api("url.getInfo", url=f"https://ok.ru/{value}")
        except ConnectorError as exc:
            if exc.code in (100, 300):
                raise ConnectorError(
                    "Одноклассники: группа по этой ссылке не найдена", permanent=True, code=300
                ) from exc
            raise
        if str(found.get("type") or "") != "GROUP":
            raise ConnectorError("Одноклассники: по этой ссылке не группа", permanent=True, code="not_group")
        value = str(found.get("objectIdStr") or found.get("objectId"))
    groups = connector.api("group.getInfo", uids=value, fields="uid,name,shortname,members_count,access_type")
    if not groups:
        raise ConnectorError("Одноклассники: группа по этой ссылке не найдена", permanent=True, code=300)
    g = groups[0]
    return CommunityInfo(
        id=int(g["uid"]), name=str(g.get("name") or ""), screen_name=str(g.get("shortname") or ""),
        members_count=int(g["members_count"]) if g.get("members_count") is not None else None,
        is_closed=str(g.get("access_type") or "OPEN") != "OPEN",
    )  # fmt: skip


class OkWatchedConnector(OkConnector):
    """Reads another open group's topics and discussions with the official account's keys."""

    def __init__(self, *args: Any, group_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_id = str(group_id)
