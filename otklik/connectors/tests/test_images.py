"""Issue 19: photos of collected messages are copied by the worker and shown from our
origin; no page loads a third-party image."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from PIL import Image

from otklik.cases import actions
from otklik.cases.models import Post
from otklik.cases.tests.helpers import Clock, message, msk
from otklik.connectors.base import Attachment
from otklik.connectors.images import copy_post_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with Clock(msk(2025, 3, 3, 10, 0)) as c:
        yield c


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def photo_host(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OTKLIK_IMAGE_FETCH = True
    settings.OTKLIK_IMAGE_FETCH_PRIVATE = True  # the local server stands for the network's CDN
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            body = _png() if self.path.endswith(".png") else b"<html>not an image</html>"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_a_photo_is_copied_and_shown_from_our_origin(cast, clock, photo_host):
    base, hits = photo_host
    case = actions.do_register_post(
        cast.municipality, message(attachments=[Attachment("photo", f"{base}/cdn/a.png", "a.png")]), detected=True
    )
    post = Post.objects.get(case=case)
    assert copy_post_images(post.pk) == 1
    c = Client()
    c.force_login(cast.specialist)
    hits.clear()
    page = c.get(f"/cases/{case.pk}/")
    html = page.content.decode()
    assert 'src="/files/' in html and f'src="{base}' not in html
    assert hits == []  # opening the case tells the photo's host nothing
    assert "img-src 'self' data:;" in page["Content-Security-Policy"]
    assert Post.objects.get(pk=post.pk).attachments[0]["source_url"] == f"{base}/cdn/a.png"


def test_what_is_not_an_image_stays_a_link(cast, clock, photo_host):
    base, _ = photo_host
    case = actions.do_register_post(
        cast.municipality, message(attachments=[Attachment("photo", f"{base}/cdn/page.html", "x")]), detected=True
    )
    assert copy_post_images(Post.objects.get(case=case).pk) == 0
    c = Client()
    c.force_login(cast.specialist)
    html = c.get(f"/cases/{case.pk}/").content.decode()
    assert f'src="{base}' not in html and "Фото в соцсети" in html


def test_internal_addresses_are_not_fetched(cast, clock, photo_host, settings):
    base, hits = photo_host
    settings.OTKLIK_IMAGE_FETCH_PRIVATE = False
    case = actions.do_register_post(
        cast.municipality, message(attachments=[Attachment("photo", f"{base}/cdn/a.png", "a.png")]), detected=True
    )
    assert copy_post_images(Post.objects.get(case=case).pk) == 0
    assert hits == []
