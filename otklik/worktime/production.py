"""The Russian production calendar (производственный календарь), shipped as data.

For 2020–2027 the days come from the law and the decrees (facts written by hand below and
checked day by day in the tests against both calendars in ``shared/data/production-calendar``):

* ТК РФ ст. 112 ч. 1 — the non-working public holidays (``HOLIDAYS_ART_112``);
* ТК РФ ст. 112 ч. 2 and the yearly government decree «О переносе выходных дней» — days off
  moved onto working days (``days_off``) and weekend days made working (``working``);
* ТК РФ ст. 95 — pre-holiday working days shortened by one hour (``shortened``);
* 2020–2021: the presidential decrees that declared non-working days (offices were closed, so
  we count them as non-working).

Other years fall back to python-holidays (holidays and the transfers it knows) plus the
statutory rules, and a :class:`ProductionCalendarFallbackWarning` says so once per year.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from dataclasses import dataclass

FIRST_YEAR = 2020
LAST_YEAR = 2027

# ТК РФ ст. 112 ч. 1 (ред. Федерального закона от 23.04.2012 № 35-ФЗ).
HOLIDAYS_ART_112 = "01-01..01-08 02-23 03-08 05-01 05-09 06-12 11-04"


@dataclass(frozen=True)
class YearData:
    sources: str
    days_off: str = ""  # non-working days besides Sat/Sun and the art. 112 holidays
    working: str = ""  # Saturdays/Sundays made working days
    shortened: str = ""  # pre-holiday working days, one hour shorter


YEARS: dict[int, YearData] = {
    2020: YearData(
        sources=(
            "постановление Правительства РФ от 10.07.2019 № 875; указы Президента РФ "
            "от 25.03.2020 № 206, от 02.04.2020 № 239, от 28.04.2020 № 294, "
            "от 29.05.2020 № 345, от 01.06.2020 № 354"
        ),
        days_off=(
            "02-24 03-09 05-04 05-05 05-11"  # transfers (Jan 4, 5; Feb 23, Mar 8, May 9)
            " 03-30..04-03 04-04..04-30 05-06..05-08"  # presidential non-working days
            " 06-24 07-01"  # Victory parade; the constitutional vote
        ),
        shortened="06-11 11-03 12-31",
    ),
    2021: YearData(
        sources=(
            "постановление Правительства РФ от 10.10.2020 № 1648; указы Президента РФ "
            "от 23.04.2021 № 242, от 20.10.2021 № 595"
        ),
        days_off=(
            "02-22 05-03 05-10 06-14 11-05 12-31"  # transfers
            " 05-04..05-07 11-01..11-03"  # presidential non-working days
        ),
        working="02-20",
        shortened="02-20 04-30 06-11",
    ),
    2022: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2022 году",
        days_off="03-07 05-02 05-03 05-10 06-13",
        working="03-05",
        shortened="02-22 03-05 11-03",
    ),
    2023: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2023 году",
        days_off="02-24 05-08 11-06",
        shortened="02-22 03-07 11-03",
    ),
    2024: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2024 году",
        days_off="04-29 04-30 05-10 12-30 12-31",
        working="04-27 11-02 12-28",
        shortened="02-22 03-07 05-08 06-11 11-02",
    ),
    2025: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2025 году",
        days_off="05-02 05-08 06-13 11-03 12-31",
        working="11-01",
        shortened="03-07 04-30 06-11 11-01",
    ),
    2026: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2026 году",
        days_off="01-09 03-09 05-11 12-31",
        shortened="04-30 05-08 06-11 11-03",
    ),
    2027: YearData(
        sources="постановление Правительства РФ о переносе выходных дней в 2027 году",
        days_off="02-22 05-03 05-10 06-14 11-05 12-31",
        working="02-20",
        shortened="02-20 04-30 06-11 11-03",
    ),
}


class ProductionCalendarFallbackWarning(UserWarning):
    """A year outside the shipped data was derived from python-holidays and the statutes."""


@dataclass(frozen=True)
class YearDays:
    """The deviations of one year from the plain Mon–Fri week."""

    nonworking: frozenset[dt.date]
    working: frozenset[dt.date]
    shortened: frozenset[dt.date]
    shipped: bool


def _expand(year: int, spec: str) -> set[dt.date]:
    days: set[dt.date] = set()
    for token in spec.split():
        first, _, last = token.partition("..")
        start = dt.date.fromisoformat(f"{year}-{first}")
        end = dt.date.fromisoformat(f"{year}-{last}") if last else start
        while start <= end:
            days.add(start)
            start += dt.timedelta(days=1)
    return days


@functools.cache
def year_days(year: int) -> YearDays:
    """The non-working, working weekend and shortened days of ``year``.

    Outside the shipped years the days are derived (``shipped`` is False); callers say so with
    :func:`warn_fallback`.
    """
    data = YEARS.get(year)
    if data is not None:
        return YearDays(
            nonworking=frozenset(_expand(year, HOLIDAYS_ART_112) | _expand(year, data.days_off)),
            working=frozenset(_expand(year, data.working)),
            shortened=frozenset(_expand(year, data.shortened)),
            shipped=True,
        )
    return _fallback_year(year)


def warn_fallback(year: int, stacklevel: int = 2) -> None:
    warnings.warn(
        f"Производственный календарь на {year} год не поставляется с программой: дни взяты "
        "из python-holidays и правил ТК РФ (ст. 95, 112); проверьте их и добавьте "
        "исключения в настройках муниципалитета.",
        ProductionCalendarFallbackWarning,
        stacklevel=stacklevel + 1,
    )


_SUBSTITUTED_FROM = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def _fallback_year(year: int) -> YearDays:
    import holidays  # only needed outside the shipped years

    lib = holidays.country_holidays("RU", years=[year - 1, year, year + 1], language="en_US")
    substituted = {d for d, name in lib.items() if "substituted" in name.lower()}
    weekend_workdays = set(getattr(lib, "weekend_workdays", set()))
    public = {d for d in lib if d not in substituted}
    # A holiday of ТК ст. 112 that falls on a weekend moves to the next working day (ч. 2),
    # except the January ones; python-holidays lists such moves only for decreed years.
    moved: set[dt.date] = set()
    if not any(d.year == year for d in substituted):
        for day in sorted(d for d in public if d.year == year):
            if day.weekday() >= 5 and day.month != 1:
                target = day + dt.timedelta(days=1)
                while target.weekday() >= 5 or target in public or target in moved:
                    target += dt.timedelta(days=1)
                moved.add(target)
    nonworking = {d for d in public | substituted | moved if d.year == year}

    def is_working(day: dt.date) -> bool:
        if day in weekend_workdays:
            return True
        return day.weekday() < 5 and day not in public | substituted | moved

    one_day = dt.timedelta(days=1)
    # ТК ст. 95: the working day right before a holiday is shortened ...
    shortened = {day - one_day for day in public if is_working(day - one_day)}
    # ... and so is a weekend day worked in place of such a day (2025-11-01 for 2025-11-03).
    for day_off, name in lib.items():
        match = _SUBSTITUTED_FROM.search(name)
        if match and day_off + one_day in public:
            month, day_of_month, from_year = map(int, match.groups())
            shortened.add(dt.date(from_year, month, day_of_month))
    shortened = {day for day in shortened if day.year == year}
    return YearDays(
        nonworking=frozenset(nonworking),
        working=frozenset(d for d in weekend_workdays if d.year == year),
        shortened=frozenset(shortened),
        shipped=False,
    )
