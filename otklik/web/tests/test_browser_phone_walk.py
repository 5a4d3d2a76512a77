"""Every page of the navigation, for every role, at 375 px: nothing scrolls sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from otklik.web.tests.browser_helpers import People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["specialist", "coordinator", "head", "observer", "zhkh", "zhkh_chief", "admin"]
# Pages reached from a page of the navigation (a link, not a menu item), per role.
LINKED = {
    "specialist": ["/sources/manual/", "/sources/import/", "/answer-templates/new/", "/notifications/settings/"],
    "admin": ["/admin/", "/admin/directory/organization/"],
}
COMMON = ["/password/change/", "/account/2fa/", "/help/"]

# The widest element that sticks out, to make a failure say where to look.
OVERFLOW = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) out.push([Math.round(r.right), el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')]);
  }
  out.sort((a, b) => b[0] - a[0]);
  return {width: document.documentElement.scrollWidth, culprits: out.slice(0, 4)};
}"""


@pytest.fixture
def demo(live_server, browser):  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo_cases", stdout=open("/dev/null", "w"))
    people = People(browser, live_server.url, viewport={"width": 375, "height": 800})
    yield people
    people.close()


def test_every_page_of_every_role_fits_a_phone(demo, artifacts_dir):
    shots = Path(artifacts_dir) / "phone"
    shots.mkdir(exist_ok=True)
    wide: dict[str, object] = {}
    for who in ROLES:
        page = demo.open(who, "/")
        paths = [a.get_attribute("href") for a in page.locator("#nav a, a[data-nav=help]").all()]
        page.goto(f"{demo.base}/inbox/?view=all")
        first_case = page.locator("a.case-link").first
        if first_case.count():
            paths.append(first_case.get_attribute("href"))
        if "/reports/violations/" in paths:  # the §23 report of a month, from the archive
            page.goto(f"{demo.base}/reports/violations/")
            month = page.locator("main a[href^='/reports/violations/2']").first
            paths.append(month.get_attribute("href") if month.count() else None)
        paths += LINKED.get(who, []) + COMMON + ["/no-such-page/"]
        for path in dict.fromkeys(p for p in paths if p):
            page.goto(f"{demo.base}{path}")
            found = page.evaluate(OVERFLOW, 375)
            name = re.sub(r"[^a-z0-9]+", "-", f"{who} {path.split('#')[0]}").strip("-")
            page.screenshot(path=str(shots / f"{name}.png"))
            if found["width"] > 375:
                wide[f"{who} {path}"] = found
    assert wide == {}, "\n".join(f"{k}: {v}" for k, v in wide.items())
    # The demo posts' photos live on the networks' servers, out of reach of this machine.
    problems = [p for p in demo.problems if "ERR_NAME_NOT_RESOLVED" not in p and "/no-such-page/" not in p]
    assert problems == [], problems
