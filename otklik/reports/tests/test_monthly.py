"""§23 generation: on the first working day of the next month, once, sent to the coordinator and the Head."""

from __future__ import annotations

from otklik.cases.tests.helpers import msk
from otklik.notify.models import Notification
from otklik.reports.models import MonthlyReport
from otklik.reports.services import generate_due


def test_it_waits_for_the_first_working_day(cast, may):
    made = generate_due(msk(2026, 5, 31, 12, 0))  # still May: only April's reports
    assert {r.key for r in made} == {"2026-04"}
    assert not MonthlyReport.objects.filter(month="2026-05-01").exists()


def test_it_makes_last_months_report_once_and_sends_it(cast, may):
    made = generate_due(msk(2026, 6, 1, 9, 0))
    again = generate_due(msk(2026, 6, 1, 10, 7))
    report = MonthlyReport.objects.get(municipality=cast.municipality, month="2026-05-01")
    assert [r.pk for r in made if r.municipality_id == cast.municipality.pk] == [report.pk]
    assert again == [] and report.violations == 3 and report.sent_at is not None
    sent = Notification.objects.filter(kind="monthly_report").values_list("user__username", flat=True)
    assert sorted(sent) == ["coordinator", "head"]
    assert "нарушено: 3" in Notification.objects.filter(kind="monthly_report").first().body


def test_after_the_holidays_it_is_the_first_working_day(cast):
    # January 2027: 1-8 January are holidays; the report of December is made on the 11th.
    assert generate_due(msk(2027, 1, 8, 12, 0)) == []
    assert len(generate_due(msk(2027, 1, 11, 9, 0))) == 2
