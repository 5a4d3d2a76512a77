"""Benchmark of file import (issue 19 item 9): what the request does, what the jobs do.

    .venv/bin/python bench/import_file.py [--big 200000] [--saved 50000] [--views 10] [--no-save]

Builds a dedicated database (``otklik_bench_import``; ``BENCH_PG`` overrides the server URL)
with the test cast, writes two XLSX files in memory — ``--big`` rows (over the 50,000-row cap)
and ``--saved`` rows (under it) — and prints, per file:

* the upload request's time (it only stores the file and queues the parse job);
* the parse job's time and its outcome (the big file is refused by the row cap);
* the preview page's p50/max over ``--views`` renders (it reads the stored result);
* for the file under the cap, the save job's time (all rows in one transaction).

Target: the upload request and every preview render under 1 s whatever the file (before: the
request parsed, ~15 s for 200,000 rows, and every preview view parsed again); the parse job
stays within ``MAX_SECONDS`` (20 s) of reading.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from pathlib import Path

from inprocess import configure

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "otklik_bench_import"
configure("/tmp/otklik_bench_import_data")


def xlsx(rows: int, tag: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["url", "text", "published_at"])
    for i in range(rows):
        sheet.append([f"https://vk.com/wall-{tag}_{i}", f"Сообщение {i}", "2026-11-27 10:00"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=int, default=200_000)
    parser.add_argument("--saved", type=int, default=50_000)
    parser.add_argument("--views", type=int, default=10)
    parser.add_argument("--no-save", action="store_true", help="skip the save job (minutes at 50,000 rows)")
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    Path(os.environ["OTKLIK_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()
    from types import SimpleNamespace

    from otklik.connectors import importing
    from otklik.connectors.models import ImportJob
    from otklik.testing import make_cast

    cast = SimpleNamespace()
    make_cast(cast)
    client = Client()
    client.force_login(cast.specialist)  # type: ignore[attr-defined]

    for label, rows, save in (("over the cap", args.big, False), ("under the cap", args.saved, True)):
        content = xlsx(rows, str(rows))
        upload = io.BytesIO(content)
        upload.name = f"bench-{rows}.xlsx"
        t = time.perf_counter()
        response = client.post("/sources/import/", {"municipality": cast.municipality.pk, "file": upload})  # type: ignore[attr-defined]
        request_s = time.perf_counter() - t
        assert response.status_code == 302, response.status_code
        job = ImportJob.objects.order_by("-created_at").first()
        assert job is not None
        t = time.perf_counter()
        importing.parse_import(str(job.pk))
        parse_s = time.perf_counter() - t
        job.refresh_from_db()
        views = []
        for _ in range(args.views):
            t = time.perf_counter()
            assert client.get(response.url).status_code == 200
            views.append(time.perf_counter() - t)
        print(f"{rows} rows ({label}), {len(content) / 1e6:.2f} MB XLSX")
        print(f"  upload request  {request_s * 1000:8.0f} ms  (limit 1000 ms: {request_s:.2f}x)")
        print(f"  parse job       {parse_s * 1000:8.0f} ms  -> {job.state}: {job.message or f'{job.total} rows'}")
        print(f"  preview page    p50 {statistics.median(views) * 1000:.0f} ms, max {max(views) * 1000:.0f} ms")
        if save and not args.no_save:
            ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
            t = time.perf_counter()
            importing.run_import(str(job.pk))
            job.refresh_from_db()
            print(f"  save job        {(time.perf_counter() - t) * 1000:8.0f} ms  -> {job.state}: {job.message}")


if __name__ == "__main__":
    main()
