"""Stored files are served only to people who may see their case, never rendered as pages."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from otklik.cases import actions
from otklik.files import attachments
from otklik.ops.models import StoredFile
from otklik.web.tests.helpers import routed_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


def _stored(case, user, data: bytes, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(attachments.store(attachments.validate(data, name), case=case, uploaded_by=user)["url"])


def test_the_cases_executor_gets_the_file(client, cast):
    case = routed_case(cast, cast.roads_org)
    url = _stored(case, cast.roads, _png(), "яма.png")
    client.force_login(cast.roads)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("who", ["housing", "stranger", "outsider"])
def test_people_who_may_not_see_the_case_get_404(client, cast, who):
    url = _stored(routed_case(cast, cast.roads_org), cast.roads, _png(), "яма.png")
    client.force_login(getattr(cast, who))
    assert client.get(url).status_code == 404


def test_the_specialist_and_the_head_of_the_municipality_see_it(client, cast):
    url = _stored(routed_case(cast, cast.roads_org), cast.roads, _png(), "яма.png")
    for user in (cast.specialist, cast.head):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_a_stored_name_without_its_case_record_is_served_to_nobody(client, cast):
    url = _stored(routed_case(cast, cast.roads_org), cast.roads, _png(), "яма.png")
    StoredFile.objects.all().delete()
    client.force_login(cast.specialist)
    assert client.get(url).status_code == 404


def test_documents_are_downloads_never_pages(client, cast):
    case = routed_case(cast, cast.roads_org)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    client.force_login(cast.roads)
    for data, name, ctype in [(pdf, "акт.pdf", "application/pdf"), (b"hello\n", "note.txt", "text/plain")]:
        r = client.get(_stored(case, cast.roads, data, name))
        assert r.status_code == 200 and r["Content-Type"].startswith(ctype)
        assert r["Content-Disposition"].startswith("attachment")
        assert r["X-Content-Type-Options"] == "nosniff" and "sandbox" in r["Content-Security-Policy"]


def test_upload_needs_a_case_the_user_may_write_to(client, cast):
    case = routed_case(cast, cast.roads_org)
    png = io.BytesIO(_png())
    client.force_login(cast.housing)  # another organization: the case does not exist for them
    assert client.post("/files/upload", {"case": case.pk, "file": png}).status_code == 404
    client.force_login(cast.head)  # sees it, may not write
    assert client.post("/files/upload", {"case": case.pk, "file": io.BytesIO(_png())}).status_code == 403
    client.force_login(cast.roads)
    assert client.post("/files/upload", {"file": io.BytesIO(_png())}).status_code == 404
    assert not StoredFile.objects.exists()


def test_an_earlier_organization_keeps_seeing_the_file_after_a_return(client, cast):
    """Visibility follows the case rule: past assignments still count (cases.access)."""
    case = routed_case(cast, cast.roads_org)
    url = _stored(case, cast.roads, _png(), "яма.png")
    actions.do_return_assignment(case.assignments.get(), reason="Не наша компетенция", acting_user=cast.roads)
    client.force_login(cast.roads)
    assert client.get(url).status_code == 200


def test_the_browser_revalidates_and_a_revoked_person_gets_404_not_its_cached_copy(client, cast):
    case = routed_case(cast, cast.roads_org)
    url = _stored(case, cast.roads, _png(), "яма.png")
    client.force_login(cast.roads)
    first = client.get(url)
    assert first["Cache-Control"] == "private, no-cache" and first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    # Дороги loses the case's organization (membership removed): no 304 from the browser's copy.
    from otklik.directory.models import Membership

    Membership.objects.filter(user=cast.roads).delete()
    from otklik.directory.roles import forget_scope

    forget_scope(cast.roads)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def test_the_admin_lists_stored_files_read_only(admin_client, cast):
    case = routed_case(cast, cast.roads_org)
    _stored(case, cast.roads, _png(), "яма.png")
    r = admin_client.get("/admin/ops/storedfile/")
    assert r.status_code == 200 and "яма.png" in r.content.decode()
    assert admin_client.get("/admin/ops/storedfile/add/").status_code == 403


def test_uploads_never_attached_are_removed_after_a_day(cast):
    from django.utils import timezone

    case = routed_case(cast, cast.roads_org)
    orphan = _stored(case, cast.roads, _png(), "забытый.png")
    used = attachments.store(attachments.validate(_png(), "яма.png"), case=case, uploaded_by=cast.roads)
    actions.do_submit_draft(case, text="Ответ с фото", attachments=[used], acting_user=cast.roads)
    assert attachments.remove_orphans(timezone.now()) == 0  # less than a day old
    assert attachments.remove_orphans(timezone.now() + timezone.timedelta(days=1, minutes=1)) == 1
    names = set(StoredFile.objects.values_list("name", flat=True))
    assert attachments.stored_name(orphan) not in names and attachments.stored_name(used["url"]) in names
