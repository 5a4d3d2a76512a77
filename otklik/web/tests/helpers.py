"""Cases for page tests, made through the actions (never by saving models)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.connectors.base import IncomingMessage

_keys = itertools.count(1)


def incoming(text: str = "На улице Ленина яма на дороге", **kwargs: Any) -> IncomingMessage:
    n = next(_keys)
    fields: dict[str, Any] = {
        "network": "vk",
        "source_key": f"wall-100001_{n}",
        "text": text,
        "published_at": timezone.now() - dt.timedelta(minutes=5),
        "url": f"https://vk.com/wall-100001_{n}",
        "author_id": f"author-{n}",
        "author_name": "Мария Жительница",
    }
    fields.update(kwargs)
    return IncomingMessage(**fields)


def feed_case(cast: Any, text: str = "На улице Ленина яма на дороге", **kwargs: Any) -> Case:
    return actions.do_register_post(cast.municipality, incoming(text, **kwargs))


def new_case(cast: Any, text: str = "На улице Ленина яма на дороге", **kwargs: Any) -> Case:
    return actions.do_detect_case(feed_case(cast, text, **kwargs), acting_user=cast.specialist)


def routed_case(cast: Any, *orgs: Any, lead: Any = None, **kwargs: Any) -> Case:
    case = new_case(cast, **kwargs)
    return actions.do_route_case(case, list(orgs or [cast.roads_org]), lead=lead, acting_user=cast.specialist)


def review_case(cast: Any, text: str = "Яму засыплем до пятницы.", **kwargs: Any) -> Case:
    case = routed_case(cast, cast.roads_org, **kwargs)
    return actions.do_submit_draft(case, text=text, acting_user=cast.roads)
