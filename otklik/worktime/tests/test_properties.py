"""Property tests of the arithmetic on the Russian calendar (bounded profile)."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.worktime import Duration, WorkingCalendar

from .helpers import MSK

cal = WorkingCalendar.russia()
bounded = settings(max_examples=200, deadline=None)

# Starts in the shipped years, to the second, in Moscow or in another zone.
# Half of them with microseconds: those take the general (exact) path, the others the fast one.
moments = st.builds(
    lambda seconds, micro, tz: (
        dt.datetime(2020, 1, 1, tzinfo=MSK) + dt.timedelta(seconds=seconds, microseconds=micro)
    ).astimezone(tz),
    st.integers(0, 7 * 365 * 86400),
    st.one_of(st.just(0), st.integers(0, 999_999)),
    st.sampled_from([MSK, dt.UTC, dt.timezone(dt.timedelta(hours=10))]),
)
minutes = st.integers(1, 5 * 480)


@bounded
@given(moments, moments, minutes)
def test_monotonic(a, b, n):
    a, b = min(a, b), max(a, b)
    assert cal.add(a, Duration.working_minutes(n)) <= cal.add(b, Duration.working_minutes(n))


@bounded
@given(moments, st.integers(0, 5 * 480))
def test_between_inverts_add(t, n):
    assert cal.between(t, cal.add(t, Duration.working_minutes(n))) == dt.timedelta(minutes=n)


@bounded
@given(moments, minutes, minutes)
def test_additive(t, a, b):
    wm = Duration.working_minutes
    assert cal.add(cal.add(t, wm(a)), wm(b)) == cal.add(t, wm(a + b))


@bounded
@given(moments, minutes)
def test_result_is_working_or_an_interval_end(t, n):
    due = cal.add(t, Duration.working_minutes(n))
    assert due > t
    just_before = due - dt.timedelta(microseconds=1)
    assert cal.is_working(just_before)


@bounded
@given(moments, st.integers(1, 30))
def test_working_days_close_a_working_day_after_the_event_day(t, n):
    due = cal.add(t, Duration.working_days(n))
    local = t.astimezone(MSK)
    assert due.date() > local.date()
    assert due == cal.intervals_on(due.date())[-1][1]
    working_days = [
        local.date() + dt.timedelta(days=k)
        for k in range(1, (due.date() - local.date()).days + 1)
        if cal.is_working_day(local.date() + dt.timedelta(days=k))
    ]
    assert len(working_days) == n and working_days[-1] == due.date()


@bounded
@given(moments, moments)
def test_between_is_antisymmetric_and_bounded_by_clock_time(a, b):
    assert cal.between(a, b) == -cal.between(b, a)
    assert abs(cal.between(a, b)) <= abs(b - a)


BERLIN = ZoneInfo("Europe/Berlin")
# Sunday 01:00–04:00 straddles both DST switches (they happen on Sundays at 02:00/03:00).
berlin = WorkingCalendar({**{d: [("09:00", "17:00")] for d in range(5)}, 6: [("01:00", "04:00")]}, BERLIN)
berlin_moments = st.builds(
    lambda seconds: dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds),
    st.integers(0, 2 * 365 * 86400),
)


@bounded
@given(berlin_moments, st.integers(0, 3 * 480), st.integers(1, 480))
def test_inverse_and_additive_across_dst_switches(t, a, b):
    wm = Duration.working_minutes
    assert berlin.between(t, berlin.add(t, wm(a))) == dt.timedelta(minutes=a)
    if a:
        assert berlin.add(berlin.add(t, wm(a)), wm(b)) == berlin.add(t, wm(a + b))


def test_dst_switch_days_count_real_time():
    spring, autumn = dt.date(2025, 3, 30), dt.date(2025, 10, 26)
    assert berlin.between(*[berlin.intervals_on(spring)[0][i] for i in (0, 1)]) == dt.timedelta(hours=2)
    assert berlin.between(*[berlin.intervals_on(autumn)[0][i] for i in (0, 1)]) == dt.timedelta(hours=4)
