"""Issue 19 item 9: a huge file is refused by the parse job while it is read (row and time caps),
with the reason on the job's page, and nothing is stored."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from otklik.cases.models import Post
from otklik.connectors import importing
from otklik.connectors.models import ImportJob
from otklik.connectors.tests.test_pages import upload

pytestmark = pytest.mark.django_db


def _xlsx(rows: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["url", "text", "published_at"])
    for i in range(rows):
        ws.append([f"https://vk.com/wall-1_{i}", f"Сообщение {i}", "2026-11-27 10:00"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_stops_reading_past_the_row_cap(client, cast, monkeypatch):
    client.force_login(cast.specialist)
    monkeypatch.setattr(importing, "MAX_ROWS", 100)
    response = upload(client, cast, "big.xlsx", _xlsx(3000))
    assert "Слишком много строк: больше 100" in client.get(response.url).content.decode()
    assert ImportJob.objects.get().state == "failed" and not Post.objects.exists()


def test_it_stops_reading_past_the_time_cap(client, cast, monkeypatch):
    client.force_login(cast.specialist)
    monkeypatch.setattr(importing, "MAX_SECONDS", -1)
    csv = "url;text;published_at\n" + "".join(f"https://vk.com/wall-1_{i};т{i};2026-11-27 10:00\n" for i in range(2500))
    response = upload(client, cast, "slow.csv", csv.encode())
    assert "разделите его на части" in client.get(response.url).content.decode()
    assert ImportJob.objects.get().state == "failed" and not Post.objects.exists()
