"""File import in a browser on a phone: the upload returns at once, the page polls while the job
checks the file and shows the preview when it is ready; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from otklik.connectors import tasks, views
from otklik.connectors.tests.test_pages import CSV
from otklik.web.tests.browser_helpers import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_polls_until_the_preview_is_ready(live_server, browser, monkeypatch):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    queued: list[str] = []
    monkeypatch.setattr(views, "parse_import_task", queued.append)  # the test plays the worker
    people = People(browser, live_server.url, viewport={"width": 375, "height": 900})
    try:
        page = people.open("specialist", "/sources/import/")
        page.set_input_files(
            "input[type=file]", files=[{"name": "export.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
        )
        page.get_by_role("button", name="Проверить файл").click()
        page.get_by_text("Файл проверяется").wait_for()
        tasks.parse_import_task(queued[0])
        page.get_by_role("heading", name="Предпросмотр (первые 2)").wait_for(timeout=10_000)
        assert "Яма" in page.content()
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert [p for p in people.problems if "HTTP" in p] == []
    finally:
        people.close()
