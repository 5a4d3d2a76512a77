"""Helpers for the workflow tests: Moscow times, a controllable clock, incoming messages."""

from __future__ import annotations

import datetime as dt
import itertools
from unittest import mock
from zoneinfo import ZoneInfo

from otklik.connectors.base import IncomingMessage

MSK = ZoneInfo("Europe/Moscow")
_keys = itertools.count(1)


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=MSK)


class Clock:
    """``django.utils.timezone.now`` under test control: ``clock.set(t)`` / ``clock.advance(minutes=5)``."""

    def __init__(self, t: dt.datetime) -> None:
        self.t = t
        self._patch = mock.patch("django.utils.timezone.now", side_effect=lambda: self.t)

    def set(self, t: dt.datetime) -> dt.datetime:
        self.t = t
        return t

    def advance(self, **kwargs: float) -> dt.datetime:
        self.t = self.t + dt.timedelta(**kwargs)
        return self.t

    def __enter__(self) -> Clock:
        self._patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._patch.stop()


def message(
    text: str = "На улице Ленина яма на дороге", *, key: str | None = None, **kwargs: object
) -> IncomingMessage:
    fields = {
        "network": "vk",
        "source_key": key or f"wall-100001_{next(_keys)}",
        "text": text,
        "published_at": msk(2025, 3, 3, 9, 0),
        "url": "https://vk.com/wall-100001_1",
        "author_id": "42",
        "author_name": "Мария Жительница",
    }
    fields.update(kwargs)
    return IncomingMessage(**fields)  # type: ignore[arg-type]


def deadline(case, stage: str, **filters):  # type: ignore[no-untyped-def]
    """The latest deadline row of ``stage`` on ``case``."""
    from otklik.cases.models import Deadline

    return Deadline.objects.filter(case=case, stage=stage, **filters).order_by("-id").first()


def open_stages(case) -> list[str]:  # type: ignore[no-untyped-def]
    from otklik.cases.models import Deadline

    return sorted(Deadline.objects.filter(case=case, closed_at__isnull=True).values_list("stage", flat=True))


def detected_case(cast, clock, at: dt.datetime, **kwargs: object):  # type: ignore[no-untyped-def]
    """A case registered and detected by the specialist at ``at``."""
    from otklik.cases import actions

    clock.set(at)
    case = actions.do_register_post(cast.municipality, message(**kwargs))  # type: ignore[arg-type]
    return actions.do_detect_case(case, acting_user=cast.specialist)


def routed_case(cast, clock, at: dt.datetime, orgs=None, lead=None, **kwargs: object):  # type: ignore[no-untyped-def]
    from otklik.cases import actions

    case = detected_case(cast, clock, at, **kwargs)
    return actions.do_route_case(case, orgs or [cast.roads_org], lead=lead, acting_user=cast.specialist)
