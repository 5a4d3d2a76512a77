"""Benchmark: the dashboard and the §23 report at a region's scale (1,000,000 cases).

Run by hand (not in CI), with PostgreSQL at 127.0.0.1:5432:

    .venv/bin/python bench/reports.py [--seed] [--db otklik_bench_reports] [--repeat 20]

``--seed`` fills the database with bench/api.py's generator (it drops and recreates it: 10
municipalities, 100,000 cases each, generated over the 11.5 days before the seed). Then, every
run, the first municipality is prepared once (idempotent): a Head, and 1,000 of its met
deadlines made late, so that with the open deadlines past due its month holds ~6,000 violations.

Measured in-process through Django's test client (full middleware, templates) as the Head:
the dashboard's default view (month to date), the whole month, the last 30 days and its XLSX
export, ``--repeat`` times each after a warm-up (p50/p95 and the query count); then the §23
report of the month: its data (``violation_report``), the XLSX and the summary PDF, 5 times
each (the PDF is what the worker makes). Targets (issue 22): dashboard every view p95 < 500 ms,
XLSX < 2 s; §23 data < 1 s, XLSX < 2 s, summary PDF < 5 s for a month with 6,000 violations.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

from inprocess import ROOT, configure, measure_page, percentiles

PG = "postgres://postgres@127.0.0.1:5432"
configure("/tmp/otklik_bench_reports_data")

LATE_MET = 1000


CPU: dict[str, float] = {}


def measure_call(fn: Callable[[], object], repeat: int, name: str = "") -> tuple[float, float, object]:
    """p50/p95 wall time; this process's median CPU time goes to CPU[name] (the load of other
    processes on a shared machine stretches wall time, not CPU time)."""
    out = fn()  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    p50, p95 = percentiles(times)
    CPU[name] = statistics.median(cpu)
    return p50, p95, out


def prepare(municipality) -> object:  # type: ignore[no-untyped-def]
    """A Head for the first municipality and late met deadlines in its month (once)."""
    from django.contrib.auth.models import User
    from django.db import connection

    from otklik.directory.models import Membership, Role

    head, _ = User.objects.get_or_create(username="bench-head", defaults={"first_name": "Глава", "last_name": "Бенч"})
    Membership.objects.get_or_create(user=head, role=Role.HEAD, municipality=municipality)
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE cases_deadline d SET closed_at = d.due_at + interval '30 minutes', close_clock = d.due_clock + 1800
            WHERE d.id IN (
                SELECT d2.id FROM cases_deadline d2 JOIN cases_case c ON c.id = d2.case_id
                WHERE c.municipality_id = %s AND d2.outcome = 'met' AND d2.closed_at <= d2.due_at
                  AND d2.due_at >= date_trunc('month', now()) AND d2.due_at < now() - interval '1 hour'
                ORDER BY d2.id LIMIT %s)
              AND NOT EXISTS (
                SELECT 1 FROM cases_deadline d3 JOIN cases_case c3 ON c3.id = d3.case_id
                WHERE c3.municipality_id = %s AND d3.outcome = 'met' AND d3.closed_at > d3.due_at)
            """,
            [municipality.pk, LATE_MET, municipality.pk],
        )
    return head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", default=os.environ.get("BENCH_REPORTS_DB", "otklik_bench_reports"))
    parser.add_argument("--seed", action="store_true")
    args = parser.parse_args()
    if args.seed:
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import api as generator  # bench/api.py

        generator.DB_NAME = args.db
        generator.DATABASE_URL = f"{PG}/{args.db}"
        generator.DATA_DIR = os.environ["OTKLIK_DATA_DIR"]
        generator.seed()
    os.environ["DATABASE_URL"] = f"{PG}/{args.db}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from otklik.cases.models import Case, Deadline
    from otklik.directory.models import Municipality
    from otklik.reports import exports, services
    from otklik.reports.queries import violation_report

    call_command("migrate", verbosity=0)  # the clock readings of an older seed are filled here
    setup_test_environment()
    total = Case.objects.count()
    if total < 100_000:
        sys.exit(f"only {total} cases in the database: run with --seed first")
    municipality = Municipality.objects.get(slug="bench-0")
    head = prepare(municipality)
    now = timezone.localtime(timezone.now(), municipality.tzinfo)
    today = now.date()
    in_muni = Case.objects.filter(municipality=municipality).count()
    print(f"{total} cases, {Deadline.objects.count()} deadlines; municipality {municipality.slug}: {in_muni} cases")

    client = Client()
    client.force_login(head)
    month_start = today.replace(day=1)
    pages = [
        ("dashboard, default (month to date)", "/dashboard/"),
        ("dashboard, whole month", f"/dashboard/?start={month_start}&end={today}"),
        ("dashboard, 30 days", f"/dashboard/?start={today - __import__('datetime').timedelta(days=30)}&end={today}"),
        ("dashboard XLSX (30 days)", f"/dashboard/?start={today - __import__('datetime').timedelta(days=30)}&end={today}&format=xlsx"),
        ("§23 page (HTML, live)", f"/reports/violations/{today:%Y-%m}/?live=1"),
    ]  # fmt: skip
    worst = 0.0
    for name, url in pages:
        p50, p95, queries = measure_page(client, url, args.repeat)
        limit = 2000 if "XLSX" in name else 500
        if "§23" not in name:
            worst = max(worst, p95 / limit)
        print(
            f"{name:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} queries  (limit {limit} ms: {p95 / limit:.2f})"
        )

    repeat = 5
    p50, p95, report = measure_call(lambda: violation_report(municipality, today.year, today.month), repeat, "data")
    n = len(report.rows)  # type: ignore[attr-defined]
    print(f"§23 of {today:%Y-%m}: {n} violations")
    print(
        f"{'§23 data (violation_report)':<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (limit 1000 ms: {p95 / 1000:.2f}); "
        f"CPU {CPU['data']:.0f} ms"
    )
    p50x, p95x, _ = measure_call(lambda: exports.violations_xlsx(report), repeat, "xlsx")  # type: ignore[arg-type]
    print(
        f"{'§23 XLSX':<40} p50 {p50x:7.1f} ms  p95 {p95x:7.1f} ms  (limit 2000 ms: {p95x / 2000:.2f}); "
        f"CPU {CPU['xlsx']:.0f} ms"
    )
    p50p, p95p, pdf = measure_call(lambda: services.violations_pdf(municipality, report, None), repeat, "pdf")  # type: ignore[arg-type]
    kind = "summary" if n > exports.FULL_LIST_LIMIT else "full list"
    print(
        f"{'§23 PDF (' + kind + ', ' + str(len(pdf)) + ' bytes)':<40} p50 {p50p:7.1f} ms  p95 {p95p:7.1f} ms  "  # type: ignore[arg-type]
        f"(limit 5000 ms: {p95p / 5000:.2f}); CPU {CPU['pdf']:.0f} ms"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"dashboard: worst p95 / limit = {worst:.2f} ({'OK' if worst < 1 else 'OVER'})")


if __name__ == "__main__":
    main()
