"""Bounds of the parameters people and clients pass: dates, months, moments, ids (issue 19
item 8). One check per kind of parameter, used by the pages and the API alike; each refuses
with a Russian message (:class:`ValidationFailed`, 400) instead of overflowing later.

The range is the one the product's working calendar covers: 2000–2099.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from otklik.cases.errors import ValidationFailed

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2099, 12, 31)
MIN_MOMENT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_MOMENT = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_ID = 2**63 - 1
DATE_MESSAGE = "Дата вне допустимого диапазона: с 01.01.2000 по 31.12.2099."
MONTH_MESSAGE = "Месяц указывается как ГГГГ-ММ в пределах 2000–2099 годов, например 2026-10."


def date_problem(value: dt.date) -> str | None:
    """The Russian message for a date out of range, or None."""
    return None if MIN_DATE <= value <= MAX_DATE else DATE_MESSAGE


def check_date(value: dt.date | None, label: str = "") -> dt.date | None:
    if value is not None and (problem := date_problem(value)):
        raise ValidationFailed(f"{label}: {problem}" if label else problem)
    return value


def check_period(start: dt.date | None, end: dt.date | None, *, max_days: int | None = None) -> None:
    check_date(start, "Начало периода")
    check_date(end, "Конец периода")
    if start is not None and end is not None:
        if end < start:
            raise ValidationFailed("Конец периода раньше начала.")
        if max_days is not None and (end - start).days > max_days:
            raise ValidationFailed(f"Период — не больше {max_days} дней.")


def check_month(key: str) -> tuple[int, int]:
    """``ГГГГ-ММ`` -> (year, month), both in range."""
    year_text, sep, month_text = (key or "").partition("-")
    if not (sep and len(year_text) == 4 and len(month_text) == 2 and year_text.isdigit() and month_text.isdigit()):
        raise ValidationFailed(MONTH_MESSAGE)
    year, month = int(year_text), int(month_text)
    if not (MIN_DATE.year <= year <= MAX_DATE.year and 1 <= month <= 12):
        raise ValidationFailed(MONTH_MESSAGE)
    return year, month


def check_moment(value: dt.datetime, label: str = "") -> dt.datetime:
    """A timezone-aware moment within the range."""
    if value.tzinfo is None or not MIN_MOMENT <= value < MAX_MOMENT:
        message = "Момент времени с часовым поясом в пределах 2000–2099 годов."
        raise ValidationFailed(f"{label}: {message}" if label else message)
    return value


def check_id(value: Any) -> int:
    """A positive database id (JSON ``true`` is not 1)."""
    if type(value) is not int or not 0 < value <= MAX_ID:
        raise ValidationFailed("Некорректный идентификатор.")
    return value
