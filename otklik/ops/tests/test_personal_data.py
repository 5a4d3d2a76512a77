"""152-ФЗ: retention per municipality, and a subject's export and erasure — all logged."""

import datetime as dt
import io
import json

from django.core.management import call_command
from django.utils import timezone

from otklik.cases.models import Case, Draft, Post
from otklik.ops.models import AuditEntry, RetentionPolicy
from otklik.ops.personal_data import apply_retention, erase_author, export_author, subject_hash


def _post(cast, *, key, status="answered", closed_months_ago=0, author="id777", municipality=None):
    municipality = municipality or cast.municipality
    closed_at = timezone.now() - dt.timedelta(days=31 * closed_months_ago) if closed_months_ago else None
    case = Case.objects.create(municipality=municipality, status=status, closed_at=closed_at)
    return Post.objects.create(
        municipality=municipality,
        case=case,
        network="vk",
        source_key=key,
        url=f"https://vk.com/wall-1_{key}",
        author_id=author,
        author_name="Мария Петрова",
        author_url="https://vk.com/id777",
        text="Яма у дома 5, звоните +7 (905) 123-45-67, maria@example.ru",
        attachments=[{"type": "photo", "url": "https://vk.com/photo1", "name": "1.jpg"}],
        raw={"from_id": 777},
        published_at=timezone.now(),
    )


def test_retention_anonymises_authors_of_cases_closed_long_enough_ago(cast):
    RetentionPolicy.objects.create(municipality=cast.municipality, anonymise_after_months=12)
    old = _post(cast, key="1", closed_months_ago=13)
    recent = _post(cast, key="2", closed_months_ago=6)
    open_case = _post(cast, key="3", status="assigned")
    assert apply_retention() == {"georgievsk": 1, "minvody": 0}
    old.refresh_from_db()
    assert (old.author_id, old.author_name, old.author_url, old.url, old.attachments) == ("", "", "", "", [])
    assert "Яма у дома 5" in old.text and "905" not in old.text and "maria@" not in old.text
    assert "from_id" not in old.raw
    for kept in (recent, open_case):
        kept.refresh_from_db()
        assert kept.author_name == "Мария Петрова"
    assert apply_retention()["georgievsk"] == 0  # idempotent
    entry = AuditEntry.objects.get(kind="retention")
    assert entry.data == {"municipality": "georgievsk", "months": 12, "posts": 1}


def test_retention_is_configurable_per_municipality(cast, settings):
    settings.OTKLIK_RETENTION_DEFAULT_MONTHS = 24
    RetentionPolicy.objects.create(municipality=cast.other_municipality, anonymise_after_months=6)
    here = _post(cast, key="1", closed_months_ago=13)
    there = _post(cast, key="2", closed_months_ago=7, municipality=cast.other_municipality)
    apply_retention()
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.author_name == "Мария Петрова" and there.author_name == ""
    RetentionPolicy.objects.filter(municipality=cast.other_municipality).update(is_active=False)
    assert apply_retention() == {"georgievsk": 0}


def test_a_subject_gets_an_export_of_everything_about_them(cast):
    _post(cast, key="1")
    _post(cast, key="2")
    _post(cast, key="3", author="someone-else")
    data = export_author("vk", "id777", actor=cast.coordinator, reason="запрос № 5 от 01.11.2026")
    assert len(data["posts"]) == 2
    assert data["posts"][0]["author_name"] == "Мария Петрова" and data["posts"][0]["case"]["id"]
    entry = AuditEntry.objects.get(kind="pd_export")
    assert entry.actor == cast.coordinator and entry.data["subject"] == subject_hash("vk", "id777")
    assert "id777" not in json.dumps(entry.data) and "Мария" not in json.dumps(entry.data)


def test_erasure_removes_the_author_everywhere_and_is_logged(cast):
    post = _post(cast, key="1")
    Draft.objects.create(
        case=post.case, text="Мария Петрова, яму заделают.", author=cast.roads, submitted_at=timezone.now()
    )
    result = erase_author("vk", "id777", actor=cast.coordinator, reason="заявление")
    assert result["posts"] == 1 and result["drafts_masked"] == 1
    post.refresh_from_db()
    assert post.author_name == "" and "Яма" not in post.text and post.source_key == "1"
    assert "Мария" not in Draft.objects.get(case=post.case).text
    assert Case.objects.filter(pk=post.case_id).exists()  # the case and its deadlines stay for reports
    assert export_author("vk", "id777")["posts"] == []
    assert AuditEntry.objects.get(kind="pd_erasure").data["posts"] == 1


def test_the_command_exports_to_a_file_and_erases(cast, tmp_path):
    _post(cast, key="1")
    out = tmp_path / "export.json"
    call_command("personal_data", "export", "--network", "vk", "--author-id", "id777", "--output", str(out))
    assert json.loads(out.read_text())["posts"][0]["text"].startswith("Яма")
    call_command("personal_data", "erase", "--network", "vk", "--author-id", "id777", "--yes", stdout=io.StringIO())
    assert not Post.objects.filter(author_id="id777").exists()
