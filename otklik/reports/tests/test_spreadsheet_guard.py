"""Issue 19: XLSX cells with text are strings, never formulas, even when the text starts
with "=" (here: a municipality's name in the dashboard's title)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

pytestmark = [pytest.mark.django_db]


def test_dashboard_xlsx_writes_text_as_strings(cast):
    cast.municipality.name = '=HYPERLINK("http://evil","x")'
    cast.municipality.save()
    c = Client()
    c.force_login(cast.coordinator)
    r = c.get("/dashboard/", {"format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    title = sheet["A1"]
    assert title.data_type == "s" and title.value.startswith("'=HYPERLINK")
