"""§23 documents made by the worker: progress, the summary of a month with many violations, the addressee."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from otklik.cases.models import Case
from otklik.cases.tests.helpers import Clock, msk
from otklik.reports import exports
from otklik.reports.models import ReportDocument
from otklik.reports.tests.conftest import AS_OF, make


@pytest.fixture
def coordinator_client(client, cast):  # type: ignore[no-untyped-def]
    client.force_login(cast.coordinator)
    return client


def _text(content: bytes, tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_it_is_addressed_to_the_head(cast, may, coordinator_client, tmp_path, get_pdf):
    with Clock(AS_OF):
        text = _text(get_pdf(coordinator_client, "/reports/violations/2026-05/?format=pdf").content, tmp_path)
    assert "Главе муниципального образования" in text and "«Георгиевский городской округ»" in text
    assert "Перечень нарушений" in text and "Роман Дорохов" in text


def test_a_month_with_many_violations_gets_a_summary_and_the_full_list_in_xlsx(
    cast, coordinator_client, tmp_path, get_pdf
):
    late = exports.FULL_LIST_LIMIT + 20
    cases = Case.objects.bulk_create(Case(municipality=cast.municipality, status="assigned") for _ in range(late))
    for i, case in enumerate(cases):
        start = msk(2026, 5, 12, 9, 0) + dt.timedelta(minutes=i % 300)
        user = cast.roads if i % 2 else cast.water
        make(case, "draft", cast.roads_org, user, start, start + dt.timedelta(hours=1), start + dt.timedelta(hours=2))
    with Clock(AS_OF):
        text = _text(get_pdf(coordinator_client, "/reports/violations/2026-05/?format=pdf").content, tmp_path)
        xlsx = coordinator_client.get("/reports/violations/2026-05/?format=xlsx&live=1")
        page = coordinator_client.get("/reports/violations/2026-05/?live=1").content.decode()
    assert "Нарушения по организациям и этапам" in text and "Полный перечень" in text
    assert f"Роман Дорохов ({late // 2})" in text and f"Вадим Водянов ({late // 2})" in text
    assert "Перечень нарушений" not in text and f"№{cases[0].pk}" not in text
    assert xlsx.status_code == 200 and len(xlsx.content) > 10_000
    assert f"Нарушений за месяц: {late}" in page and f"№{cases[0].pk}<" not in page


def test_the_page_shows_the_progress_until_the_worker_is_done(cast, may, coordinator_client):
    # Without running the queued job: the document waits in the queue, the page says so and refreshes.
    response = coordinator_client.get("/reports/violations/2026-05/?format=pdf")
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Документ формируется" in page and '<meta http-equiv="refresh" content="2">' in page
    doc = ReportDocument.objects.get()
    assert (doc.state, doc.progress) == ("queued", 0)
    assert (
        coordinator_client.get(response["Location"] + "?download=1").content.decode().count("Документ формируется") == 1
    )


def test_another_municipality_cannot_read_the_document(cast, may, client, coordinator_client):
    response = coordinator_client.get("/reports/violations/2026-05/?format=pdf")
    client.force_login(cast.stranger)
    assert client.get(response["Location"]).status_code == 404


def test_live_documents_are_forgotten_after_a_day_and_archived_ones_kept(cast, may, coordinator_client):
    from otklik.reports.services import forget_live_documents, generate

    with Clock(AS_OF):
        coordinator_client.get("/reports/violations/2026-05/?format=pdf&live=1")
        generate(cast.municipality, 2026, 5, now=AS_OF)
        coordinator_client.get("/reports/violations/2026-05/?format=pdf")
    assert forget_live_documents(AS_OF + dt.timedelta(hours=23)) == 0
    assert forget_live_documents(AS_OF + dt.timedelta(days=2)) == 1
    assert ReportDocument.objects.get().archive is not None
