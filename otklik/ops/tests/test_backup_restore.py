"""A backup restored into an empty database has every case, event and attachment."""

import os
import sqlite3
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from otklik.cases.models import Case, CaseEvent, Post
from otklik.ops.backup import BackupError, read_manifest, restore_backup


def _some_cases(cast, media):
    (media / "attachments/2026/11").mkdir(parents=True)
    (media / "attachments/2026/11/photo.jpg").write_bytes(b"\xff\xd8\xff fake photo")
    now = timezone.now()
    for i in range(3):
        case = Case.objects.create(municipality=cast.municipality, status="new", detected_at=now)
        Post.objects.create(
            municipality=cast.municipality,
            case=case,
            network="vk",
            source_key=f"wall-1_{i}",
            author_name="Житель",
            text=f"Яма у дома {i}",
            published_at=now,
            attachments=[{"type": "photo", "url": "/files/2026/11/photo.jpg", "name": "photo.jpg"}],
        )
        CaseEvent.objects.create(case=case, kind="detected", created_at=now)
        CaseEvent.objects.create(case=case, kind="note", data={"text": "проверено"}, created_at=now)


def _backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = tmp_path / "backup.tar.gz"
    call_command("backup", str(out), stdout=open(os.devnull, "w"))
    return out


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database(tmp_path, settings, cast):
    _some_cases(cast, tmp_path / "media")
    archive = _backup(tmp_path, settings)
    manifest = read_manifest(archive)
    assert manifest["counts"]["cases_case"] == 3 and manifest["counts"]["cases_caseevent"] == 6
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    restored_media = tmp_path / "restored-media"
    if connection.vendor == "postgresql":
        target = _empty_pg_database()
        try:
            report = restore_backup(archive, target_url=target.url, media_root=restored_media)
            rows = target.query("SELECT id, status FROM cases_case ORDER BY id")
            events = target.query("SELECT count(*) FROM cases_caseevent")[0][0]
        finally:
            target.drop()
    else:
        db_file = tmp_path / "restored.sqlite3"
        report = restore_backup(archive, target_url=f"sqlite:///{db_file}", media_root=restored_media)
        with sqlite3.connect(db_file) as conn:
            rows = conn.execute("SELECT id, status FROM cases_case ORDER BY id").fetchall()
            events = conn.execute("SELECT count(*) FROM cases_caseevent").fetchone()[0]
    assert report.mismatches == []
    assert [tuple(r) for r in rows] == list(Case.objects.order_by("id").values_list("id", "status"))
    assert events == 6
    assert (restored_media / "attachments/2026/11/photo.jpg").read_bytes() == b"\xff\xd8\xff fake photo"


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings, cast):
    archive = _backup(tmp_path, settings)
    if connection.vendor == "postgresql":
        pytest.skip("checked on SQLite; the PostgreSQL path uses the same rule")
    db_file = tmp_path / "busy.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="не пуста"):
        restore_backup(archive, target_url=f"sqlite:///{db_file}", media_root=tmp_path / "m")


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "x.tar.gz"
    bogus.write_bytes(b"nope")
    with pytest.raises(BackupError, match="manifest"):
        read_manifest(bogus)


class _PgTarget:
    def __init__(self, name):
        sd = connection.settings_dict
        self.name = name
        self.sd = sd
        auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd.get("PASSWORD") else "")
        self.url = f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{name}"

    def _admin(self):
        import psycopg

        sd = self.sd
        return psycopg.connect(
            dbname="postgres",
            user=sd["USER"],
            password=sd.get("PASSWORD") or None,
            host=sd["HOST"] or None,
            port=sd["PORT"] or None,
            autocommit=True,
        )

    def query(self, sql):
        import psycopg

        sd = self.sd
        with psycopg.connect(
            dbname=self.name,
            user=sd["USER"],
            password=sd.get("PASSWORD") or None,
            host=sd["HOST"] or None,
            port=sd["PORT"] or None,
        ) as conn:
            return conn.execute(sql).fetchall()

    def drop(self):
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _empty_pg_database():
    target = _PgTarget(f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}")
    with target._admin() as conn:
        conn.execute(f'CREATE DATABASE "{target.name}"')
    return target


def test_an_archive_escaping_its_folder_is_refused(tmp_path):
    import io
    import json
    import tarfile

    from otklik.ops.backup import restore_backup

    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (
            ("manifest.json", json.dumps({"format": 1, "engine": "sqlite", "counts": {}}).encode()),
            ("../../etc/evil", b"x"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="подозрительный"):
        restore_backup(archive, target_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", media_root=tmp_path / "m")
    assert not (tmp_path.parent.parent / "etc" / "evil").exists()
