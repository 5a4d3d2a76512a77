"""Files on the executor's draft form: checked, stored with the case, shown, published along."""

from __future__ import annotations

import io
import types

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from otklik.cases import actions
from otklik.cases.errors import ValidationFailed
from otklik.cases.models import Case, Draft
from otklik.connectors.publish import reply_for
from otklik.ops.models import StoredFile
from otklik.web.tests.helpers import routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def png(name: str = "яма.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (12, 9), (120, 90, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def submit(user, case: Case, text: str = "Яму засыплем до пятницы.", **extra):  # type: ignore[no-untyped-def]
    data = {"kind": "final", "text": text, "version": case.version, **extra}
    return client_for(user).post(f"/cases/{case.pk}/act/submit_draft/", data)


def test_the_form_takes_files_as_multipart(cast):
    page = client_for(cast.roads).get(f"/cases/{routed_case(cast).pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'hx-encoding="multipart/form-data"' in page
    assert 'type="file" name="new_files"' in page and "multiple" in page


def test_an_attached_photo_goes_with_the_draft_and_shows_to_everybody_who_sees_the_case(cast):
    case = routed_case(cast)
    assert submit(cast.roads, case, new_files=[png()]).status_code == 302
    draft = Draft.objects.get(case=case)
    [photo] = draft.attachments
    stored = StoredFile.objects.get()
    assert photo["url"] == f"/files/{stored.name}" and photo["path"] == f"attachments/{stored.name}"
    assert (photo["type"], photo["name"], stored.case_id, stored.uploaded_by) == (
        "photo",
        "яма.png",
        case.pk,
        cast.roads,
    )
    for user in (cast.specialist, cast.head, cast.roads):
        c = client_for(user)
        assert f'<img src="/files/{stored.name}"' in c.get(f"/cases/{case.pk}/").content.decode()
        assert c.get(photo["url"]).status_code == 200
    assert client_for(cast.housing).get(photo["url"]).status_code == 404


def test_a_rejected_file_keeps_the_text_and_stores_nothing(cast):
    case = routed_case(cast)
    svg = SimpleUploadedFile("схема.svg", b"<svg onload='alert(1)'></svg>", content_type="image/svg+xml")
    r = submit(cast.roads, case, text="Текст, который нельзя потерять", new_files=[png(), svg])
    page = r.content.decode()
    assert r.status_code == 400
    assert "«схема.svg»: Изображения SVG не принимаются" in page and "выберите файлы заново" in page
    assert "Текст, который нельзя потерять</textarea>" in page
    assert not Draft.objects.exists() and not StoredFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused_in_russian(cast, settings):
    settings.OTKLIK_ATTACHMENT_MAX_BYTES = 50
    r = submit(cast.roads, routed_case(cast), new_files=[png()])
    assert r.status_code == 400 and "Файл слишком большой" in r.content.decode()
    assert not Draft.objects.exists()


def test_vk_takes_only_photos_so_a_document_is_refused_before_approval(cast):
    pdf = SimpleUploadedFile("акт.pdf", PDF, content_type="application/pdf")
    r = submit(cast.roads, routed_case(cast), new_files=[pdf])
    assert (
        r.status_code == 400
        and "ВКонтакте к комментарию можно приложить только фото и видео: акт.pdf" in r.content.decode()
    )


def mp4() -> SimpleUploadedFile:
    return SimpleUploadedFile("ремонт.mp4", b"\0\0\0\x18ftypmp42" + b"\0" * 32, content_type="video/mp4")


def test_vk_takes_a_video_and_ok_refuses_it_before_approval(cast):
    assert submit(cast.roads, routed_case(cast), new_files=[mp4()]).status_code == 302
    [video] = Draft.objects.get().attachments
    assert (video["type"], video["content_type"]) == ("video", "video/mp4")
    r = submit(cast.roads, routed_case(cast, network="ok", url="https://ok.ru/group/1/topic/2"), new_files=[mp4()])
    assert r.status_code == 400
    assert "видео их API к комментарию не прикрепляет: ремонт.mp4" in r.content.decode()


def test_a_manually_entered_case_takes_documents(cast):
    case = routed_case(cast, network="other", url="https://example.org/x")
    pdf = SimpleUploadedFile("акт.pdf", PDF, content_type="application/pdf")
    assert submit(cast.roads, case, new_files=[pdf]).status_code == 302
    [doc] = Draft.objects.get().attachments
    assert (doc["type"], doc["content_type"]) == ("document", "application/pdf")


def test_a_failed_action_removes_the_files_it_stored(cast, media):
    case = routed_case(cast)
    stale = case.version
    actions.do_flag_significant(case, reason="Массово", acting_user=cast.specialist)
    r = submit(cast.roads, Case(pk=case.pk, version=stale), new_files=[png()])
    assert r.status_code == 409
    assert not StoredFile.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_the_next_version_keeps_the_stored_files_ticked(cast):
    case = routed_case(cast)
    submit(cast.roads, case, new_files=[png()])
    draft = Draft.objects.get()
    actions.do_return_draft(draft, remarks="Уточните срок", acting_user=cast.specialist)
    case.refresh_from_db()
    name = StoredFile.objects.get().name
    page = client_for(cast.roads).get(f"/cases/{case.pk}/").content.decode()
    assert f'value="{name}"' in page and "checked" in page.split(f'value="{name}"')[1][:40]
    assert submit(cast.roads, case, text="До пятницы, 7 марта.", keep_files=[name]).status_code == 302
    assert [a["url"] for a in Draft.objects.get(version=2).attachments] == [f"/files/{name}"]


def test_a_file_of_another_case_cannot_be_kept(cast):
    other = routed_case(cast)
    submit(cast.roads, other, new_files=[png()])
    name = StoredFile.objects.get().name
    case = routed_case(cast)
    assert submit(cast.roads, case, keep_files=[name]).status_code == 302  # the unknown name is ignored
    assert Draft.objects.get(case=case).attachments == []
    assert submit(cast.roads, other, text="ещё", new_files=[png()]).status_code == 403  # in review now
    assert StoredFile.objects.count() == 1
    third = routed_case(cast)
    submit(cast.roads, third, text="с файлом", new_files=[png()])
    third_draft = Draft.objects.get(case=third)
    actions.do_return_draft(third_draft, remarks="Ещё раз", acting_user=cast.specialist)
    third.refresh_from_db()
    r = submit(cast.roads, third, keep_files=[name])  # the case has files of its own: a foreign one is invalid
    assert r.status_code == 400 and Draft.objects.filter(case=third).count() == 1


def test_publication_carries_the_file_to_the_network(cast):
    case = routed_case(cast)
    submit(cast.roads, case, new_files=[png()])
    draft = Draft.objects.get()
    reply = reply_for(types.SimpleNamespace(pk=1, case=Case.objects.get(pk=case.pk), draft=draft))
    [file] = reply.files
    assert (file.name, file.content_type, file.kind) == ("яма.png", "image/png", "photo")
    assert file.content == default_storage.open(draft.attachments[0]["path"]).read()


def test_the_api_cannot_smuggle_a_stored_path_into_a_draft(cast):
    case = routed_case(cast)
    with pytest.raises(ValidationFailed):
        actions.do_submit_draft(
            case, text="x", attachments=[{"type": "photo", "url": "/files/2025/03/" + "a" * 32 + ".png"}],
            acting_user=cast.roads,
        )  # fmt: skip


def test_a_co_executor_attaches_files_to_its_part(cast):
    case = routed_case(cast, cast.roads_org, cast.housing_org, lead=cast.roads_org)
    part = case.assignments.get(organization=cast.housing_org)
    prefix = f"info{part.pk}"
    r = client_for(cast.housing).post(
        f"/cases/{case.pk}/act/submit_info/",
        {
            "prefix": prefix,
            f"{prefix}-assignment": part.pk,
            f"{prefix}-text": "Трубу заменим в среду.",
            f"{prefix}-version": case.version,
            f"{prefix}-new_files": [png("труба.png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    part.refresh_from_db()
    assert [a["name"] for a in part.info_attachments] == ["труба.png"]
    assert client_for(cast.roads).get(part.info_attachments[0]["url"]).status_code == 200


def test_a_vk_board_comment_is_answered_with_text_only_and_the_form_says_so(cast):
    case = routed_case(cast, source_key="topic-100001_7_42", url="https://vk.com/topic-100001_7?post=42")
    page = client_for(cast.roads).get(f"/cases/{case.pk}/").content.decode()
    assert "ВКонтакте к ответу в обсуждении или под фото файлы не прикладываются" in page
    r = submit(cast.roads, case, new_files=[png()])
    assert r.status_code == 302  # the text goes; the file field is closed, so nothing is stored
    assert Draft.objects.get().attachments == [] and not StoredFile.objects.exists()


def test_vk_discussions_take_text_only_and_walls_photos_and_video():
    from otklik.directory.models import file_kinds_for

    kinds, message = file_kinds_for("vk", "photo-100001_5_9")
    assert kinds == frozenset() and "только текст" in message
    assert file_kinds_for("vk", "wall-100001_5")[0] == frozenset({"photo", "video"})
    assert file_kinds_for("other", "manual-1")[0] is None
