"""Benchmark: our working-time ``add`` against businesstimedelta and pandas' CustomBusinessHour.

Run by hand (not in CI), after ``pip install -r requirements-bench.txt``:

    .venv/bin/python bench/worktime.py [--calls 50000] [--peer-calls 200] [--pairs 10000] [--oracle-pairs 1000]

Everything is on the same schedule (Mon–Fri 09:00–13:00, 14:00–18:00, Europe/Moscow) and the
official 2025 calendar. The peers get the plain holiday list they support (the non-working
weekdays of 2025); they know neither working Saturdays nor shortened pre-holiday days. Prints
deadlines per second, the ratios, and how many of N random (start, duration) pairs each peer
gets wrong against ours, split into calendar causes (a shortened day or a working weekend day
in the window) and other causes (conventions); then checks ours against an independent
minute-by-minute walk over the official xmlcalendar file in shared/data (skipped if absent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import businesstimedelta as btd  # noqa: E402
import pandas as pd  # noqa: E402
import pytz  # noqa: E402

from otklik.worktime import Duration, WorkingCalendar  # noqa: E402

TZ_NAME = "Europe/Moscow"
YEAR = 2025
warnings.simplefilter("ignore", pd.errors.PerformanceWarning)


def year_days(cal: WorkingCalendar) -> tuple[list[dt.date], set[dt.date]]:
    """(non-working weekdays, days peers cannot model: shortened days and working weekend days)."""
    holidays, special = [], set()
    # Years around 2025 too: businesstimedelta gives up when it sees no holiday ahead.
    day = dt.date(YEAR - 1, 1, 1)
    while day < dt.date(YEAR + 3, 1, 1):
        intervals = cal.intervals_on(day)
        if day.weekday() < 5 and not intervals:
            holidays.append(day)
        if intervals and (day.weekday() >= 5 or cal.day_kind(day) == "shortened"):
            special.add(day)
        day += dt.timedelta(days=1)
    return holidays, special


class Peers:
    def __init__(self, holidays: list[dt.date]) -> None:
        self.tz = pytz.timezone(TZ_NAME)
        weekdays = [0, 1, 2, 3, 4]
        self.btd_rules = btd.Rules(
            [
                btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(13), working_days=weekdays, tz=self.tz),
                btd.WorkDayRule(start_time=dt.time(14), end_time=dt.time(18), working_days=weekdays, tz=self.tz),
                btd.HolidayRule(frozenset(holidays), tz=self.tz),  # a set: its look-up is `in`
            ]
        )
        self.holidays = holidays
        self._pandas: dict[int, pd.offsets.CustomBusinessHour] = {}
        self._btd: dict[int, btd.BusinessTimeDelta] = {}

    def pandas_offset(self, hours: int) -> pd.offsets.CustomBusinessHour:
        if hours not in self._pandas:
            self._pandas[hours] = pd.offsets.CustomBusinessHour(
                n=hours, start=["09:00", "14:00"], end=["13:00", "18:00"], holidays=self.holidays
            )
        return self._pandas[hours]

    def btd_delta(self, hours: int) -> btd.BusinessTimeDelta:
        if hours not in self._btd:
            self._btd[hours] = btd.BusinessTimeDelta(self.btd_rules, hours=hours)
        return self._btd[hours]


def random_starts(rng: random.Random, n: int, tz: dt.tzinfo) -> list[dt.datetime]:
    first = dt.datetime(YEAR, 1, 1, tzinfo=tz)
    minutes = 365 * 24 * 60
    return [first + dt.timedelta(minutes=rng.randrange(minutes)) for _ in range(n)]


def rate(fn, items, rounds: int = 9) -> float:
    """Calls per second: best of ``rounds``, in this process's CPU time (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return len(items) / best


def speed(cal: WorkingCalendar, peers: Peers, starts: list[dt.datetime], peer_calls: int) -> None:
    print("Deadlines per second (best of 9 rounds, CPU time; higher is better); peers get N working hours:")
    peer_starts = starts[:peer_calls]
    pd_starts = [pd.Timestamp(s.replace(tzinfo=None)) for s in peer_starts]
    btd_starts = [s.astimezone(peers.tz) for s in peer_starts]
    cases = [
        ("4 working hours", Duration.working_minutes(240), 4),
        ("7 working days (peers: 56 h)", Duration.working_days(7), 56),
        ("56 working hours", Duration.working_minutes(56 * 60), 56),
    ]
    print(
        f"  {'deadline':32} {'ours':>10} {'pandas':>9} {'btd':>9} {'ours/pandas':>12} {'ours/btd':>9} {'ours/faster':>12}"
    )
    for label, duration, hours in cases:
        ours = rate(lambda s, d=duration: cal.add(s, d), starts)
        offset = peers.pandas_offset(hours)
        pandas_rate = rate(lambda s, o=offset: s + o, pd_starts)
        delta = peers.btd_delta(hours)
        btd_rate = rate(lambda s, d=delta: s + d, btd_starts)
        faster = max(pandas_rate, btd_rate)
        print(
            f"  {label:32} {ours:10,.0f} {pandas_rate:9,.0f} {btd_rate:9,.0f} "
            f"{ours / pandas_rate:11.0f}x {ours / btd_rate:8.0f}x {ours / faster:11.0f}x"
        )


def correctness(cal: WorkingCalendar, peers: Peers, special: set[dt.date], pairs: int, seed: int) -> None:
    rng = random.Random(seed)
    starts = random_starts(rng, pairs, cal.tz)
    hours = [rng.randint(1, 56) for _ in range(pairs)]
    wrong = {"pandas": [0, 0], "businesstimedelta": [0, 0]}
    examples: dict[str, str] = {}
    for start, h in zip(starts, hours, strict=True):
        ours = cal.add(start, Duration.working_minutes(h * 60))
        pandas_due = (pd.Timestamp(start.replace(tzinfo=None)) + peers.pandas_offset(h)).to_pydatetime()
        pandas_due = pandas_due.replace(tzinfo=cal.tz)
        btd_due = start.astimezone(peers.tz) + peers.btd_delta(h)
        for name, due in (("pandas", pandas_due), ("businesstimedelta", btd_due)):
            if due != ours:
                window = {
                    start.date() + dt.timedelta(days=k) for k in range((max(due, ours).date() - start.date()).days + 1)
                }
                cause = 0 if window & special else 1
                wrong[name][cause] += 1
                examples.setdefault(
                    f"{name}/{cause}",
                    f"{start:%Y-%m-%d %a %H:%M} + {h}h: ours {ours:%m-%d %H:%M}, {name} {due.astimezone(cal.tz):%m-%d %H:%M}",
                )
    print(f"\nWrong answers on {pairs:,} random (start, whole-hours 1–56) pairs, official {YEAR} calendar:")
    for name, (calendar_cause, other) in wrong.items():
        total = calendar_cause + other
        print(
            f"  {name:18} {total:6,} wrong ({total / pairs:.1%}): {calendar_cause:,} with a shortened day or a working "
            f"weekend day in the window, {other:,} other"
        )
    for key, text in sorted(examples.items()):
        print(f"    e.g. [{key.split('/')[0]}{', calendar' if key.endswith('/0') else ', other'}] {text}")


def xmlcalendar_days(year: int) -> dict[dt.date, str] | None:
    """Day statuses straight from shared/data (t=1 off, t=2 shortened, t=3 working weekend day)."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    root = Path(os.environ.get("OTKLIK_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
    path = root / "data" / "production-calendar" / "xmlcalendar" / str(year) / "calendar.xml"
    if not path.exists():
        return None
    marks = {}
    for node in ET.parse(path).getroot().iter("day"):
        month, day = map(int, node.get("d", "").split("."))
        marks[dt.date(year, month, day)] = {"1": "off", "2": "short", "3": "work"}[node.get("t", "")]
    return marks


def oracle_check(cal: WorkingCalendar, pairs: int, seed: int) -> None:
    """Ours against a minute-by-minute walk over the official file (independent of our code)."""
    marks = {}
    for year in (YEAR, YEAR + 1):
        year_marks = xmlcalendar_days(year)
        if year_marks is None:
            print(f"\n(xmlcalendar {year} not found: the minute-walk check is skipped)")
            return
        marks |= year_marks

    def working_minute(t: dt.datetime) -> bool:
        status = marks.get(t.date(), "work" if t.weekday() < 5 else "off")
        minute = t.hour * 60 + t.minute
        close = 17 * 60 if status == "short" else 18 * 60
        return status != "off" and (9 * 60 <= minute < 13 * 60 or 14 * 60 <= minute < close)

    rng = random.Random(seed + 1)
    wrong = 0
    for start in random_starts(rng, pairs, cal.tz):
        minutes = rng.randint(1, 56 * 60)
        t, left = start.replace(tzinfo=None), minutes
        while left:
            if working_minute(t):
                left -= 1
            t += dt.timedelta(minutes=1)
        wrong += cal.add(start, Duration.working_minutes(minutes)) != t.replace(tzinfo=cal.tz)
    print(f"\nOurs against a minute-by-minute walk over xmlcalendar {YEAR}: {wrong} wrong of {pairs:,} random pairs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50_000, help="calls of our add per deadline kind")
    parser.add_argument("--peer-calls", type=int, default=200, help="calls of each peer per deadline kind")
    parser.add_argument("--pairs", type=int, default=10_000, help="random pairs for the correctness check")
    parser.add_argument("--oracle-pairs", type=int, default=1_000, help="pairs checked by the minute walk")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    cal = WorkingCalendar.russia(tz=TZ_NAME)
    holidays, special = year_days(cal)
    peers = Peers(holidays)
    rng = random.Random(args.seed)
    starts = random_starts(rng, args.calls, cal.tz)
    cal.add(starts[0], Duration.working_minutes(1))  # build the index outside the timing
    print(
        f"python {sys.version.split()[0]}, pandas {pd.__version__}, businesstimedelta 1.0.1, {os.cpu_count()} cores\n"
    )
    speed(cal, peers, starts, args.peer_calls)
    correctness(cal, peers, special, args.pairs, args.seed)
    oracle_check(cal, args.oracle_pairs, args.seed)


if __name__ == "__main__":
    main()
