"""«Справка»: the guide served inside the application, each page linking to its role's section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from otklik.web.guide import PAGES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guide"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("who", "link"),
    [("specialist", "/help/specialist/#inbox"), ("roads", "/help/executor/#inbox"), ("head", "/help/head/#inbox"),
     ("observer", "/help/cur/#inbox"), ("coordinator", "/help/coordinator/#inbox")],
)  # fmt: skip
def test_it_links_each_page_to_the_section_of_its_role(cast, who, link):
    html = client_for(getattr(cast, who)).get("/inbox/").content.decode()
    assert f'<a href="{link}" data-nav="help">Справка</a>' in html


def test_it_renders_a_guide_page_with_anchors_and_its_pictures(cast):
    html = client_for(cast.specialist).get("/help/specialist/").content.decode()
    assert '<h2 id="inbox">Входящие</h2>' in html
    assert 'src="/help/img/specialist-inbox.jpg"' in html
    assert client_for(cast.specialist).get("/help/img/specialist-inbox.jpg").status_code == 200


def test_it_serves_the_guide_without_signing_in(client):
    assert "Как начать" in client.get("/help/").content.decode()
    assert client.get("/help/kak-nachat/").status_code == 200
    assert client.get("/help/img/..%2Fspecialist.md").status_code == 404
    assert client.get("/help/nope/").status_code == 404


def test_it_has_every_page_and_every_picture_the_pages_show():
    for slug, _title in PAGES:
        text = (GUIDE / f"{slug}.md").read_text()
        for image in re.findall(r"\]\(img/([^)]+)\)", text):
            assert (GUIDE / "img" / image).is_file(), image
