"""Attachments are checked by content: size, type, polyglots, SVG; images lose their metadata."""

import io
import zipfile

import pytest
from django.test import override_settings
from PIL import Image

from otklik.files.attachments import AttachmentRejected, validate


def _jpeg_with_exif() -> bytes:
    img = Image.new("RGB", (40, 30), (200, 50, 50))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (55.0, 45.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def test_images_are_reencoded_without_metadata():
    original = _jpeg_with_exif()
    assert b"SpyCam" in original
    clean = validate(original, "../../etc/Фото двора.jpeg")
    assert clean.content_type == "image/jpeg" and clean.kind == "photo"
    assert b"SpyCam" not in clean.content and b"secret comment" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.size == (40, 30) and not img.getexif()
    assert clean.name == "Фото двора.jpg"


def test_the_type_comes_from_the_content_not_the_name():
    clean = validate(_png(), "photo.jpg")
    assert clean.content_type == "image/png" and clean.name == "photo.png"
    with pytest.raises(AttachmentRejected, match="тип файла"):
        validate(b"MZ\x90\x00\x03" + b"\x00" * 100, "invoice.pdf")


@override_settings(OTKLIK_ATTACHMENT_MAX_BYTES=1024)
def test_an_oversized_file_is_refused():
    with pytest.raises(AttachmentRejected, match="слишком большой"):
        validate(b"a" * 2048, "big.txt")


def test_an_svg_with_a_script_is_refused_whatever_its_name():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("map.svg", "map.png"):
        with pytest.raises(AttachmentRejected, match="SVG"):
            validate(svg, name)


def test_a_gif_javascript_polyglot_is_refused():
    polyglot = b"GIF89a/*\x0a\x00\x0a\x00\x00\x00\x00;*/=1;<script>alert(document.domain)</script>"
    with pytest.raises(AttachmentRejected, match="сценария"):
        validate(polyglot, "cat.gif")


def test_a_jpeg_with_an_appended_zip_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.txt", "hello")
    with pytest.raises(AttachmentRejected, match="архив"):
        validate(_jpeg_with_exif() + buf.getvalue(), "photo.jpg")


def test_a_pdf_with_javascript_is_refused_and_a_plain_one_accepted():
    plain = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    assert validate(plain, "answer.pdf").content_type == "application/pdf"
    active = plain.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
    with pytest.raises(AttachmentRejected, match="активное"):
        validate(active, "answer.pdf")


def test_html_disguised_as_text_is_refused():
    with pytest.raises(AttachmentRejected):
        validate(b"<!DOCTYPE html><html><body><script>x()</script></body></html>", "notes.txt")


def test_upload_and_download_with_safe_headers(client, cast, settings, tmp_path):
    from otklik.web.tests.helpers import routed_case

    settings.MEDIA_ROOT = tmp_path
    case = routed_case(cast, cast.roads_org)
    client.force_login(cast.roads)
    r = client.post("/files/upload", {"case": case.pk, "file": io.BytesIO(_jpeg_with_exif())})
    assert r.status_code == 201, r.content
    url = r.json()["url"]
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff" and "sandbox" in r["Content-Security-Policy"]
    assert b"SpyCam" not in b"".join(r.streaming_content)
    svg = io.BytesIO(b"<svg onload='alert(1)'></svg>")
    svg.name = "x.svg"
    r = client.post("/files/upload", {"case": case.pk, "file": svg})
    assert r.status_code == 400 and "SVG" in r.json()["error"]
    client.logout()
    assert client.get(url).status_code == 302
