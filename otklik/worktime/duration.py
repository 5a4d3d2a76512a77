"""Durations of the regulation: working minutes, working days, calendar minutes."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class DurationUnit(str, enum.Enum):
    """The unit of a limit. The values are stored in the database (regulation profiles)."""

    WORKING_MINUTES = "working_minutes"
    WORKING_DAYS = "working_days"
    CALENDAR_MINUTES = "calendar_minutes"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Duration:
    """A non-negative amount of time in one unit, e.g. ``Duration.working_minutes(30)``."""

    value: int
    unit: DurationUnit

    def __post_init__(self) -> None:
        # Accept the plain string values too ("working_minutes"), as stored in the database.
        try:
            unit = DurationUnit(self.unit)
        except ValueError:
            raise ValueError(f"Неизвестная единица срока: {self.unit!r}") from None
        object.__setattr__(self, "unit", unit)
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise ValueError(f"Срок должен быть целым числом, а не {self.value!r}")
        if self.value < 0:
            raise ValueError(f"Срок не может быть отрицательным: {self.value}")

    @classmethod
    def working_minutes(cls, n: int) -> Duration:
        return cls(n, DurationUnit.WORKING_MINUTES)

    @classmethod
    def working_days(cls, n: int) -> Duration:
        return cls(n, DurationUnit.WORKING_DAYS)

    @classmethod
    def calendar_minutes(cls, n: int) -> Duration:
        return cls(n, DurationUnit.CALENDAR_MINUTES)

    def __str__(self) -> str:
        if self.unit is DurationUnit.WORKING_DAYS:
            return f"{self.value}d"
        if self.unit is DurationUnit.CALENDAR_MINUTES:
            return f"{self.value}cm"
        hours, minutes = divmod(self.value, 60)
        if hours and minutes:
            return f"{hours}h{minutes}m"
        if hours:
            return f"{hours}h"
        return f"{minutes}m"


_WORKING_RE = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?")
_SIMPLE_RE = re.compile(r"(?P<n>\d+)(?P<unit>d|cm)")

DURATION_SYNTAX_HELP = "ожидается 30m, 1h, 1h30m (рабочее время), 7d (рабочие дни) или 90cm (календарные минуты)"


def parse_duration(text: str) -> Duration:
    """Parse ``30m``, ``1h``, ``1h30m`` (working time), ``7d`` (working days), ``90cm``.

    Raises ``ValueError`` with a message in Russian for anything else.
    """
    raw = text
    text = (text or "").strip().lower()
    simple = _SIMPLE_RE.fullmatch(text)
    if simple:
        n = int(simple["n"])
        if simple["unit"] == "d":
            return Duration.working_days(n)
        return Duration.calendar_minutes(n)
    working = _WORKING_RE.fullmatch(text)
    if text and working and (working["h"] or working["m"]):
        return Duration.working_minutes(int(working["h"] or 0) * 60 + int(working["m"] or 0))
    raise ValueError(f"Не удалось разобрать срок {raw!r}: {DURATION_SYNTAX_HELP}")
