"""The guide's screenshots (docs/guide/img), made from the demo by the browser, never by hand.

In CI this test only checks that every scene renders and writes the pictures to
artifacts/guide/. ``make guide-images`` runs it with OTKLIK_GUIDE_IMAGES=write, which also
replaces docs/guide/img/*.jpg, so the pictures follow the pages when they change.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from otklik.cases.models import Case
from otklik.web.tests.browser_helpers import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE_IMG = Path(__file__).resolve().parents[3] / "docs" / "guide" / "img"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 800}


def _photo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 165, 180)).save(buf, "PNG")
    return buf.getvalue()


def first_case(**filters: object) -> str:
    return f"/cases/{Case.objects.filter(**filters).order_by('pk').values_list('pk', flat=True)[0]}/"


def scenes() -> list[tuple[str, str, str, dict[str, int]]]:
    """(image name, who, path, viewport)."""
    return [
        ("specialist-feed", "specialist", "/feed/", DESKTOP),
        ("specialist-inbox", "specialist", "/inbox/?view=all", DESKTOP),
        ("specialist-route", "specialist", first_case(status="new"), DESKTOP),
        ("specialist-case", "specialist", first_case(status="review"), DESKTOP),
        (
            "executor-case-phone",
            "zhkh",
            first_case(status="assigned", assignments__organization__short_name="Управление ЖКХ"),
            PHONE,
        ),
        ("org-responsible-inbox", "zhkh_chief", "/inbox/?view=all", DESKTOP),
        ("coordinator-review", "coordinator", "/inbox/?view=review", DESKTOP),
        ("head-dashboard", "head", "/dashboard/", DESKTOP),
        ("cur-regional", "observer", "/reports/region/", DESKTOP),
        ("admin-index", "admin", "/admin/", DESKTOP),
    ]


def test_it_makes_the_guide_screenshots_from_the_demo(live_server, browser, artifacts_dir):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo_cases", stdout=open("/dev/null", "w"))
    out = Path(artifacts_dir) / "guide"
    out.mkdir(exist_ok=True)
    write = os.environ.get("OTKLIK_GUIDE_IMAGES") == "write"
    people = People(browser, live_server.url, viewport=DESKTOP)
    # The demo posts' photos live on the networks' servers: a grey picture stands in for them.
    photo = _photo()
    for name, who, path, viewport in scenes():
        page = people.page(who)
        page.context.route("https://**", lambda route: route.fulfill(status=200, content_type="image/png", body=photo))
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1").first).to_be_visible()
        target = out / f"{name}.jpg"
        page.screenshot(path=str(target), type="jpeg", quality=70, full_page=viewport is PHONE)
        if write:
            shutil.copyfile(target, GUIDE_IMG / target.name)
    people.close()
    referenced = {p.name for p in GUIDE_IMG.glob("*.jpg")}
    assert {f"{name}.jpg" for name, *_ in scenes()} <= referenced  # the guide has every picture
