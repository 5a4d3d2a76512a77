"""In a real browser (htmx swap, multipart): a rejected file keeps the text; an accepted photo shows."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from otklik.cases.models import Draft
from otklik.web.tests.browser_helpers import freeze_browser
from otklik.web.tests.helpers import routed_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_executor_attaches_a_photo_to_the_draft(live_server, browser, cast, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    case = routed_case(cast, cast.roads_org)
    client = Client()
    client.force_login(cast.roads)
    context = freeze_browser(browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow"))
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("#form-submit_draft")
    form.locator("textarea[name=text]").fill("Яму засыплем до пятницы.")
    form.locator("input[name=new_files]").set_input_files(
        [{"name": "схема.svg", "mimeType": "image/svg+xml", "buffer": b"<svg onload='alert(1)'></svg>"}]
    )
    form.locator("button[data-action=submit_draft]").click()
    expect(page.locator("#form-submit_draft .errorlist")).to_contain_text("Изображения SVG не принимаются")
    expect(page.locator("#form-submit_draft textarea[name=text]")).to_have_value("Яму засыплем до пятницы.")
    assert not Draft.objects.exists()

    form = page.locator("#form-submit_draft")
    form.locator("input[name=new_files]").set_input_files(
        [{"name": "яма.png", "mimeType": "image/png", "buffer": _png()}]
    )
    form.locator("button[data-action=submit_draft]").click()
    photo = page.locator('.attachments img[src^="/files/"]')
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.attachments img').naturalWidth === 64")
    assert Draft.objects.get().attachments[0]["name"] == "яма.png"
    assert errors == []
    context.close()
