"""`otklik backup` / `otklik restore`: the database (pg_dump, or SQLite's online backup) and
the media folder in one .tar.gz with a manifest.

Layout of an archive::

    manifest.json   format, engine, time, row counts of the main tables, list of media files
    db.dump         PostgreSQL custom-format dump (pg_restore), or
    db.sqlite3      a consistent copy of the SQLite database
    media/...       MEDIA_ROOT (attachments)

Restore goes into an *empty* database (refused otherwise unless ``force``, which wipes it
first) and checks the row counts against the manifest.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1
# Tables whose row counts are recorded and checked after a restore: (app label, model).
COUNTED = [
    ("auth", "User"),
    ("directory", "Municipality"),
    ("directory", "Organization"),
    ("directory", "Membership"),
    ("cases", "Post"),
    ("cases", "Case"),
    ("cases", "CaseEvent"),
    ("cases", "Draft"),
    ("cases", "Publication"),
    ("cases", "Deadline"),
]


class BackupError(RuntimeError):
    """A message for the operator (Russian)."""


@dataclass
class RestoreReport:
    archive: Path
    engine: str
    counts: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    mismatches: list[str] = field(default_factory=list)


def _engine(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Резервное копирование поддерживает PostgreSQL и SQLite, а не {engine}.")


def _pg_env(sd: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if sd.get("PASSWORD"):
        env["PGPASSWORD"] = str(sd["PASSWORD"])
    return env


def _pg_args(sd: dict[str, Any]) -> list[str]:
    args = []
    if sd.get("HOST"):
        args += ["-h", str(sd["HOST"])]
    if sd.get("PORT"):
        args += ["-p", str(sd["PORT"])]
    if sd.get("USER"):
        args += ["-U", str(sd["USER"])]
    return args


def _run(cmd: list[str], env: dict[str, str]) -> None:
    tool = cmd[0]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=6 * 3600)
    except FileNotFoundError:
        raise BackupError(
            f"Не найдена программа {tool}: установите postgresql-client той же версии, что и сервер."
        ) from None
    if proc.returncode != 0:
        raise BackupError(f"{tool} завершился с ошибкой: {proc.stderr.strip()[-2000:]}")


def _counts_from_orm(alias: str) -> dict[str, int]:
    counts = {}
    for label, name in COUNTED:
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        counts[model._meta.db_table] = model.objects.using(alias).count()
    return counts


def _media_files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def create_backup(output: Path | None = None, *, alias: str = "default", media_root: Path | None = None) -> Path:
    connection = connections[alias]
    sd = connection.settings_dict
    engine = _engine(sd)
    media = Path(media_root or settings.MEDIA_ROOT)
    now = timezone.now()
    if output is None:
        Path(settings.OTKLIK_BACKUP_DIR).mkdir(parents=True, exist_ok=True)
        output = Path(settings.OTKLIK_BACKUP_DIR) / f"otklik-{now:%Y%m%d-%H%M%S}.tar.gz"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="otklik-backup-") as tmp:
        tmpdir = Path(tmp)
        if engine == "postgresql":
            db_file = tmpdir / "db.dump"
            _run(
                [
                    "pg_dump",
                    *_pg_args(sd),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "-f",
                    str(db_file),
                    sd["NAME"],
                ],
                _pg_env(sd),
            )
        else:
            db_file = tmpdir / "db.sqlite3"
            connection.ensure_connection()
            dest = sqlite3.connect(db_file)
            try:
                connection.connection.backup(dest)  # consistent even while others write
            finally:
                dest.close()
        files = _media_files(media)
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": now.isoformat(),
            "otklik_version": _version(),
            "counts": _counts_from_orm(alias),
            "media_files": files,
        }
        part = output.with_name(output.name + ".part")
        with tarfile.open(part, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_file.name)
            for rel in files:
                tar.add(media / rel, arcname=f"media/{rel}")
        os.chmod(part, 0o600)  # personal data inside: readable by the service account only
        os.replace(part, output)
    return output


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("otklik")
    except Exception:
        return "unknown"


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError
            manifest = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError):
        raise BackupError(f"{archive}: не похоже на резервную копию «Отклика» (нет manifest.json).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: неизвестный формат копии {manifest.get('format')!r}.")
    return manifest


def _target(target_url: str | None, alias: str) -> dict[str, Any]:
    if target_url:
        return dict(dj_database_url.parse(target_url))
    return dict(connections[alias].settings_dict)


def restore_backup(
    archive: Path,
    *,
    target_url: str | None = None,
    alias: str = "default",
    media_root: Path | None = None,
    force: bool = False,
) -> RestoreReport:
    archive = Path(archive)
    manifest = read_manifest(archive)
    sd = _target(target_url, alias)
    engine = _engine(sd)
    if engine != manifest["engine"]:
        raise BackupError(
            f"Копия сделана из {manifest['engine']}, а восстанавливается в {engine}: так нельзя. "
            "Для переезда между СУБД используйте dumpdata/loaddata."
        )
    media = Path(media_root or settings.MEDIA_ROOT)
    if not target_url:
        connections[alias].close()  # the live connection must not hold the old database
    report = RestoreReport(archive=archive, engine=engine)
    with tempfile.TemporaryDirectory(prefix="otklik-restore-") as tmp:
        tmpdir = Path(tmp)
        _safe_extract(archive, tmpdir)
        if engine == "postgresql":
            _restore_pg(tmpdir / "db.dump", sd, force=force)
            report.counts = _pg_counts(sd, manifest["counts"])
        else:
            _restore_sqlite(tmpdir / "db.sqlite3", sd, force=force)
            report.counts = _sqlite_counts(sd, manifest["counts"])
        src_media = tmpdir / "media"
        if src_media.exists():
            for path in src_media.rglob("*"):
                if path.is_file():
                    dest = media / path.relative_to(src_media)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
                    report.media_files += 1
    for table, expected in manifest["counts"].items():
        got = report.counts.get(table)
        if got != expected:
            report.mismatches.append(f"{table}: в копии {expected}, после восстановления {got}")
    missing = [f for f in manifest.get("media_files", []) if not (media / f).is_file()]
    report.mismatches += [f"нет файла {f}" for f in missing]
    return report


def _safe_extract(archive: Path, dest: Path) -> None:
    """Extract only regular files and folders that stay inside ``dest``.

    Python 3.11.4+ has tarfile's "data" filter; Debian 12's Python 3.11.2 does not, so the
    same rules are applied here by hand.
    """
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        root = dest.resolve()
        for m in members:
            target = (dest / m.name).resolve()
            if not (m.isfile() or m.isdir()) or m.name.startswith("/") or not target.is_relative_to(root):
                raise BackupError(f"{archive}: подозрительный элемент архива {m.name!r} — восстановление остановлено.")
        for m in members:
            target = dest / m.name
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(m)
            if src is None:
                continue
            with src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def _pg_connect(sd: dict[str, Any], dbname: str | None = None) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=dbname or sd["NAME"],
        user=sd.get("USER") or None,
        password=sd.get("PASSWORD") or None,
        host=sd.get("HOST") or None,
        port=sd.get("PORT") or None,
        autocommit=True,
    )


def _restore_pg(dump: Path, sd: dict[str, Any], *, force: bool) -> None:
    with _pg_connect(sd) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]
        if tables and not force:
            raise BackupError(
                f"База данных {sd['NAME']} не пуста ({tables} таблиц). Восстановите в пустую базу "
                "или добавьте --force, чтобы удалить всё в ней перед восстановлением."
            )
        if tables:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    _run(
        ["pg_restore", *_pg_args(sd), "--no-owner", "--no-privileges", "--exit-on-error", "-d", sd["NAME"], str(dump)],
        _pg_env(sd),
    )


def _pg_counts(sd: dict[str, Any], expected: dict[str, int]) -> dict[str, int]:
    with _pg_connect(sd) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in expected}  # noqa: S608


def _sqlite_path(sd: dict[str, Any]) -> Path:
    name = str(sd["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("Восстановление SQLite возможно только в файл базы данных.")
    return Path(name)


def _restore_sqlite(db_file: Path, sd: dict[str, Any], *, force: bool) -> None:
    path = _sqlite_path(sd)
    if path.exists() and path.stat().st_size > 0:
        with sqlite3.connect(path) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        if tables and not force:
            raise BackupError(
                f"База данных {path} не пуста ({tables} таблиц). Восстановите в пустую базу "
                "или добавьте --force, чтобы заменить её."
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".restoring")
    shutil.copyfile(db_file, part)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(part, path)


def _sqlite_counts(sd: dict[str, Any], expected: dict[str, int]) -> dict[str, int]:
    with sqlite3.connect(_sqlite_path(sd)) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in expected}  # noqa: S608


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``directory``."""
    archives = sorted(Path(directory).glob("otklik-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = archives[keep:] if keep > 0 else []
    for p in removed:
        p.unlink()
    return removed
