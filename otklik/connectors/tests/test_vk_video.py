"""§20: a video attached on the draft form reaches the VK comment (video.save, over real HTTP)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from otklik.cases import actions, events
from otklik.cases.models import Post
from otklik.connectors.collect import collect_account
from otklik.connectors.publish import on_publication_pending
from otklik.connectors.tests.helpers import vk_connector

pytestmark = pytest.mark.django_db(transaction=True)

MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64


def test_the_video_of_the_draft_is_uploaded_and_attached_to_the_comment(
    cast, vk_account, fake_vk, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    post = fake_vk.add_post("Пост")
    fake_vk.add_comment(post.id, "Покажите, как идёт ремонт")
    collect_account(vk_account, connector=vk_connector(fake_vk))
    case = actions.do_detect_case(Post.objects.get().case, acting_user=cast.specialist)
    case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
    executor = Client()
    executor.force_login(cast.roads)
    video = SimpleUploadedFile("ремонт.mp4", MP4, content_type="video/mp4")
    data = {"kind": "final", "text": "Ремонт идёт, видео ниже.", "version": case.version, "new_files": [video]}
    assert executor.post(f"/cases/{case.pk}/act/submit_draft/", data).status_code == 302
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    monkeypatch.setitem(events._handlers, "publication_pending", [on_publication_pending])

    case = actions.do_publish_answer(case, acting_user=cast.roads)

    [comment] = fake_vk.published
    [uploaded] = fake_vk.videos.values()
    assert comment.attachments[0]["type"] == "video" and comment.attachments[0]["video"]["id"] == uploaded["id"]
    assert (uploaded["owner_id"], uploaded["title"], uploaded["size"]) == (-fake_vk.group_id, "ремонт.mp4", len(MP4))
    case.refresh_from_db()
    assert case.status == "answered"
