"""Issue 19 item 8: pages refuse values out of range with 400 and the reason in Russian."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.mark.parametrize(
    "url",
    [
        "/inbox/?date_to=9999-12-31",
        "/inbox/?date_from=0001-01-01",
        "/reports/violations/9999-12/",
        "/reports/violations/0000-01/",
        "/dashboard/?start=9999-12-01&end=9999-12-31",
        "/dashboard/?end=9999-12-31",
        "/reports/region/?start=9999-12-01&end=9999-12-31",
    ],
)
def test_it_refuses_a_date_out_of_range(cast, url):
    c = Client()
    c.force_login(cast.coordinator)
    r = c.get(url)
    assert r.status_code == 400
    assert "01.01.2000" in r.content.decode() or "ГГГГ-ММ" in r.content.decode()


def test_a_broken_inbox_cursor_starts_from_the_beginning(cast):
    c = Client()
    c.force_login(cast.specialist)
    assert c.get("/inbox/?after=none.99999999999999999999999").status_code == 200
