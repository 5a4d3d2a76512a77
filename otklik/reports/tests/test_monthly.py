"""§23 «не позднее 5 числа»: made on the 1st, signed by the coordinator, at the Head's by the 5th."""

from __future__ import annotations

import pytest

from otklik.cases.tests.helpers import msk
from otklik.notify.models import Notification
from otklik.reports.models import MonthlyReport
from otklik.reports.services import SignOffError, generate_due, sign_report


def _to(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_it_is_made_on_the_first_and_goes_to_the_coordinator_only(cast, may):
    made = generate_due(msk(2026, 6, 1, 0, 7))  # the 1st, before working hours
    again = generate_due(msk(2026, 6, 1, 10, 7))
    report = MonthlyReport.objects.get(municipality=cast.municipality, month="2026-05-01")
    assert [r.pk for r in made if r.municipality_id == cast.municipality.pk] == [report.pk]
    assert again == [] and report.violations == 3 and report.sent_at is None
    review = Notification.objects.get(kind="monthly_report_review")
    assert review.user == cast.coordinator
    assert "подпишите до 05.06.2026" in review.title and "нарушено: 3" in review.body
    assert _to("monthly_report") == []


def test_signing_sends_it_to_the_head_with_the_comment(cast, may, client):
    generate_due(msk(2026, 6, 1, 9, 0))
    client.force_login(cast.coordinator)
    url = "/reports/violations/2026-05/?municipality=georgievsk"
    assert "Подписать и направить Главе" in client.get(url).content.decode()
    r = client.post(url, {"comment": "Дорожникам — разъяснительная беседа"})
    assert r.status_code == 302
    row = MonthlyReport.objects.get(municipality=cast.municipality, month="2026-05-01")
    assert row.signed_by == cast.coordinator and row.sent_at is not None and not row.sent_automatically
    head = Notification.objects.get(user=cast.head, kind="monthly_report")
    assert "Комментарий координатора: Дорожникам — разъяснительная беседа" in head.body
    assert "Подписал: Константин Логинов" in head.body
    generate_due(msk(2026, 6, 5, 9, 0))  # the 5th changes nothing: already sent
    assert Notification.objects.filter(kind="monthly_report").count() == 1


def test_on_the_fifth_an_unsigned_report_goes_by_itself_marked_so(cast, may, client):
    generate_due(msk(2026, 6, 1, 9, 0))
    generate_due(msk(2026, 6, 4, 23, 59))
    assert _to("monthly_report") == []
    generate_due(msk(2026, 6, 5, 0, 7))
    row = MonthlyReport.objects.get(municipality=cast.municipality, month="2026-05-01")
    assert row.sent_automatically and row.signed_by is None
    assert "Направлен автоматически 05.06.2026" in Notification.objects.get(user=cast.head).body
    client.force_login(cast.head)
    page = client.get("/reports/violations/2026-05/?municipality=georgievsk").content.decode()
    assert "автоматически" in page and "Подписать" not in page
    with pytest.raises(SignOffError, match="уже направлен"):
        sign_report(row, user=cast.coordinator)


def test_only_the_coordinator_signs(cast, may):
    generate_due(msk(2026, 6, 1, 9, 0))
    row = MonthlyReport.objects.get(municipality=cast.municipality, month="2026-05-01")
    for user in (cast.head, cast.specialist, cast.roads):
        with pytest.raises(SignOffError, match="координатор"):
            sign_report(row, user=user)


def test_january_works_across_the_new_year_holidays(cast):
    # 1 January 2027 is a holiday and a Friday: December's report is made that day all the same,
    # and reaches the Head on 5 January (a holiday too) if nobody signed it.
    made = generate_due(msk(2027, 1, 1, 0, 7))
    assert {r.key for r in made} == {"2026-12"}
    assert _to("monthly_report") == []
    generate_due(msk(2027, 1, 5, 0, 7))
    assert _to("monthly_report") == ["head"]
    assert MonthlyReport.objects.get(municipality=cast.municipality, month="2026-12-01").sent_automatically
