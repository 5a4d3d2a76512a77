"""§23: the report of a seeded month, row by row against figures worked out by hand."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from otklik.reports.queries import violation_report
from otklik.reports.services import generate
from otklik.reports.tests.conftest import AS_OF

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"

# (organization, person, case index, stage, point, limit, started, due, closed, taken, late)
EXPECTED = [
    # 15:00-17:00 on the shortened 8 May is exactly 120 minutes: due at 17:00 (the end of the day stays).
    ("МУП «Водоканал»", "Вадим Водянов", 2, "Информация соисполнителя", "18", "120 раб. мин",
     "08.05.2026 15:00", "08.05.2026 17:00", "12.05.2026 09:10", "2 ч 10 мин", "10 мин"),
    # 16:30-17:00 on the shortened 8 May, then 9-11 May off, 09:00-10:15 on 12 May: 30 + 75 minutes.
    ("Управление дорожного хозяйства", "Роман Дорохов", 0, "Подготовка проекта ответа", "11", "60 раб. мин",
     "08.05.2026 16:30", "12.05.2026 09:30", "12.05.2026 10:15", "1 ч 45 мин", "45 мин"),
    # 30 April is shortened (15:00-17:00 = 2 h), 1-3 May off, 4 May 09:00-11:00 = 2 h: due 4 May 11:00.
    # Still open on 1 June 09:00: 2 h + May's 151 h (18 full days + 7 h on 8 May) = 153 h; late 153 - 4 = 149 h.
    # Nobody named and the organization has no responsible: «—» with the reason (issue 18 §3).
    ("Управление дорожного хозяйства", "— (никто не назначен)",
     1, "Размещение ответа", "16", "240 раб. мин",
     "30.04.2026 15:00", "04.05.2026 11:00", "не выполнено", "153 ч 00 мин", "149 ч 00 мин"),
]  # fmt: skip


def _rows(report, cases):  # type: ignore[no-untyped-def]
    index = {c.pk: i for i, c in enumerate(cases)}
    return [
        (r.organization, r.person, index[r.case_id], r.stage, r.point, r.limit, r.started_at, r.due_at,
         r.closed_at, r.taken, r.late_by)
        for r in report.rows
    ]  # fmt: skip


def test_it_matches_the_hand_computed_rows(cast, may):
    report = violation_report(cast.municipality, 2026, 5, as_of=AS_OF)
    assert _rows(report, may.cases) == EXPECTED


def test_totals_and_share_on_time_per_organization(cast, may):
    report = violation_report(cast.municipality, 2026, 5, as_of=AS_OF)
    totals = {
        t.organization: (t.total, t.violations, t.late_met, t.never_met, t.on_time_percent) for t in report.totals
    }
    assert totals == {
        "Администрация Георгиевского городского округа": (1, 0, 0, 0, "100,0 %"),
        "МУП «Водоканал»": (2, 1, 1, 0, "50,0 %"),
        "Управление дорожного хозяйства": (3, 2, 1, 1, "33,3 %"),
    }
    assert (report.total.total, report.total.violations) == (6, 3)


def test_a_month_with_nothing_due_is_empty(cast, may):
    report = violation_report(cast.municipality, 2026, 3, as_of=AS_OF)
    assert report.rows == [] and report.totals == []


@pytest.fixture
def coordinator_client(client, cast, may):  # type: ignore[no-untyped-def]
    generate(cast.municipality, 2026, 5, now=AS_OF)  # frozen in the archive as of 1 June 09:00
    client.force_login(cast.coordinator)
    return client


def test_the_page_groups_by_organization_and_person(coordinator_client, may):
    page = coordinator_client.get("/reports/violations/2026-05/").content.decode()
    assert "Нарушения порядка работы с сообщениями за май 2026 г." in page
    assert "Отчёт из архива, сформирован 01.06.2026 09:00" in page
    assert page.index("Вадим Водянов") < page.index("Роман Дорохов")
    assert f'href="/cases/{may.cases[0].pk}/"' in page and "149 ч 00 мин" in page


def test_xlsx_opens_with_openpyxl(coordinator_client, may):
    response = coordinator_client.get("/reports/violations/2026-05/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb["Нарушения"].iter_rows(min_row=5, values_only=True))
    assert [(r[0], r[3], r[10]) for r in rows] == [(e[0], e[3], e[10]) for e in EXPECTED]
    assert rows[1][11].endswith(f"/cases/{may.cases[0].pk}/")
    totals = list(wb["Итоги"].iter_rows(min_row=2, values_only=True))
    assert totals[-1][:3] == ("Итого", 6, 3)


def test_pdf_reads_like_an_official_document(coordinator_client, may, tmp_path, get_pdf):
    response = get_pdf(coordinator_client, "/reports/violations/2026-05/?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    os.makedirs(ARTIFACTS, exist_ok=True)
    (ARTIFACTS / "violations-2026-05.pdf").write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("АДМИНИСТРАЦИЯ ГЕОРГИЕВСКОГО ГОРОДСКОГО ОКРУГА", "ОТЧЁТ", "за май 2026 г.",
                     "Управление дорожного хозяйства", "153 ч 00 мин", "Заместитель главы", "К. Логинов", "Итого"):  # fmt: skip
        assert expected in text, expected


def test_people_without_a_reporting_role_see_nothing(client, cast, may):
    for user in (cast.roads, cast.specialist, cast.stranger):
        client.force_login(user)
        assert client.get("/reports/violations/2026-05/").status_code == 404


def test_an_observer_picks_the_municipality(client, cast, may):
    client.force_login(cast.observer)
    page = client.get("/reports/violations/2026-05/?municipality=minvody&live=1").content.decode()
    assert "Администрация Минераловодского округа" in page and "Водоканал" not in page
