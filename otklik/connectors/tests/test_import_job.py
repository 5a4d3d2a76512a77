"""Issue 19 item 9: the upload request only stores the file; one background job parses it; the
preview is read from the job however often it is opened; confirm saves the stored rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Post
from otklik.connectors import importing, tasks, views
from otklik.connectors.models import ImportJob
from otklik.connectors.tests.test_pages import CSV, upload

pytestmark = pytest.mark.django_db


def _no_parsing(*args, **kwargs):
    raise AssertionError("parsed outside the parse job")


@pytest.fixture
def queued(monkeypatch):
    """Upload queues the parse job instead of running it at once; the test runs it."""
    jobs: list[str] = []
    monkeypatch.setattr(views, "parse_import_task", jobs.append)
    return jobs


def test_it_stores_the_file_without_parsing_it(client, cast, monkeypatch, queued):
    client.force_login(cast.specialist)
    monkeypatch.setattr(importing, "read_rows", _no_parsing)
    response = upload(client, cast, "export.csv", CSV)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and queued == [str(job.pk)] and job.state == "parsing"
    page = client.get(response.url).content.decode()
    assert "Файл проверяется" in page and 'hx-trigger="every 1s"' in page


def test_it_parses_once_and_the_preview_survives_reloads(client, cast, monkeypatch, queued):
    client.force_login(cast.specialist)
    response = upload(client, cast, "export.csv", CSV)
    tasks.parse_import_task(queued[0])
    monkeypatch.setattr(importing, "read_rows", _no_parsing)
    for _ in range(3):
        page = client.get(response.url).content.decode()
        assert "Предпросмотр (первые 2)" in page and "Яма" in page and "29.11.2026 10:00" in page
    job = ImportJob.objects.get()
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and job.created_count == 2 and Post.objects.count() == 2


def test_the_progress_poll_reloads_the_page_once_the_preview_is_ready(client, cast, queued):
    client.force_login(cast.specialist)
    upload(client, cast, "export.csv", CSV)
    job = ImportJob.objects.get()
    poll = reverse("connectors:import_progress", args=[job.pk])
    assert "HX-Refresh" not in client.get(poll, headers={"HX-Request": "true"})
    tasks.parse_import_task(str(job.pk))
    assert client.get(poll, headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_a_broken_row_still_blocks_the_save(client, cast):
    client.force_login(cast.specialist)
    upload(client, cast, "bad.csv", CSV + "Текст;ftp://x;вчера;Кто-то\n")
    job = ImportJob.objects.get()
    assert job.state == "preview" and [e["row"] for e in job.errors] == [4]
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    assert ImportJob.objects.get().state == "preview" and Post.objects.count() == 0


def test_it_refuses_an_unknown_file_type_in_the_form(client, cast):
    client.force_login(cast.specialist)
    response = upload(client, cast, "export.txt", CSV)
    assert "Поддерживаются файлы CSV, XLSX и JSON" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_stops_polling_a_parse_that_never_finished(client, cast, queued):
    client.force_login(cast.specialist)
    response = upload(client, cast, "export.csv", CSV)
    ImportJob.objects.update(created_at=timezone.now() - dt.timedelta(minutes=16))
    page = client.get(response.url).content.decode()
    assert "не закончилась за 15 минут" in page and "hx-trigger" not in page


def test_an_unconfirmed_preview_is_forgotten_after_a_day(client, cast):
    client.force_login(cast.specialist)
    response = upload(client, cast, "export.csv", CSV)
    ImportJob.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    tasks.expire_previews_task()
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.rows == [] and job.preview == [] and bytes(job.content) == b""
    assert "загрузите файл снова" in client.get(response.url).content.decode()
    client.post(reverse("connectors:import_confirm", args=[job.pk]))
    assert Post.objects.count() == 0


def test_a_fresh_preview_is_kept(client, cast):
    client.force_login(cast.specialist)
    upload(client, cast, "export.csv", CSV)
    tasks.expire_previews_task()
    assert ImportJob.objects.get().state == "preview"


def test_the_expiry_is_scheduled_hourly():
    from huey.contrib.djhuey import HUEY

    assert "expire_previews_task" in {t.name for t in HUEY.read_periodic(dt.datetime(2026, 11, 30, 9, 17))}
