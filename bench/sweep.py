"""Benchmark of the deadline sweep on PostgreSQL (run by hand, not by CI).

    .venv/bin/python bench/sweep.py [--rows 1000000] [--due 0.01] [--closed 1000000] [--keep]

Builds a dedicated database (``otklik_bench_sweep``; ``BENCH_PG`` overrides the server URL),
fills it with ``--rows`` open deadlines of which ``--due`` are past due (and as many again in
their warning window), plus ``--closed`` closed rows, then prints:

* the query plans of the three sweep statements (which index each one uses);
* the time of one full sweep (marks every due row), with events counted, not dispatched;
* the time of the idle sweep a minute later (the every-minute common case).

Target (issue 8): one sweep over 1,000,000 open deadlines, 1 % due, under 1 second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "otklik_bench_sweep"
ORGANIZATIONS = 40  # organizations of the bench municipality (the first is the administration)
USERS = 50  # people who close deadlines
WAL_AND_CHECKPOINTS = (
    "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn, checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.01)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument(
        "--overdue", type=int, default=0, help="open rows already warned and breached (piled up, not due again)"
    )
    parser.add_argument("--keep", action="store_true", help="reuse the filled database (only re-mark rows)")
    parser.add_argument("--consumers", type=int, default=1, help="sweeps running at once (threads)")
    parser.add_argument("--batch", type=int, default=0, help="batch size (default: the sweep's)")
    args = parser.parse_args()

    if not args.keep:
        recreate_database()
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ["HUEY_IMMEDIATE"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from otklik.cases import sweep as sweep_module
    from otklik.cases.models import Deadline

    now = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    table = Deadline._meta.db_table
    n_due = int(args.rows * args.due)
    n_cases = max(args.rows // 5, 1)  # five open clocks per case (one of each stage), as in a routed case

    with connection.cursor() as cur:
        if not args.keep:
            t0 = time.perf_counter()
            call_command("migrate", verbosity=0)
            print(f"migrate: {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            cur.execute(
                "INSERT INTO directory_municipality (name, slug, timezone, is_active)"
                " VALUES ('Бенчмарк', 'bench', 'Europe/Moscow', true) RETURNING id"
            )
            muni = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO cases_case (municipality_id, status, created_at, updated_at, version, is_significant,"
                " significant_reason, excluded_reason, excluded_comment, dismissed_reason)"
                " SELECT %s, 'assigned', %s, %s, 1, false, '', '', '', '' FROM generate_series(1, %s)",
                [muni, now, now, n_cases],
            )
            cur.execute("SELECT min(id) FROM cases_case")
            first_case = cur.fetchone()[0]
            # Real rows carry their organization, assignment and (once closed) who closed them; the
            # foreign-key indexes cost what they cost only with real values in them.
            cur.execute(
                "INSERT INTO directory_organization (kind, name, short_name, is_active, competence_keywords,"
                " municipality_id) SELECT CASE WHEN j = 0 THEN 'administration' ELSE 'subdivision' END,"
                " 'Организация ' || j, 'Орг ' || j, true, '', %s FROM generate_series(0, %s) AS j ORDER BY j"
                " RETURNING id",
                [muni, ORGANIZATIONS],
            )
            orgs = sorted(row[0] for row in cur.fetchall())
            admin_org, first_org = orgs[0], orgs[1]
            cur.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
                " is_active, date_joined) SELECT '!', false, 'bench' || j, '', '', '', false, true, %s"
                " FROM generate_series(1, %s) AS j RETURNING id",
                [now, USERS],
            )
            first_user = min(row[0] for row in cur.fetchall())
            cur.execute(
                "INSERT INTO cases_assignment (case_id, organization_id, role, status, is_active, assigned_at,"
                " return_reason, info_text, info_attachments, info_remarks)"
                " SELECT %s + k, %s + mod(k, %s), 'sole', 'assigned', true, %s, '', '', '[]', ''"
                " FROM generate_series(0, %s - 1) AS k ORDER BY k",
                [first_case, first_org, ORGANIZATIONS, now, n_cases],
            )
            cur.execute("SELECT min(id) FROM cases_assignment")
            first_assignment = cur.fetchone()[0]
            # The organizations' copy of the nearest deadline, which the lapse pass refreshes too.
            cur.execute(
                "INSERT INTO cases_caseorganization (case_id, organization_id, next_due_at)"
                " SELECT case_id, organization_id, NULL FROM cases_assignment"
            )
            # Open rows: i < n_due are past due, the next n_due are in their warning window, the rest later.
            # Every stage but the specialist's review belongs to the case's assignment.
            stages = "(ARRAY['draft','review','publish_total','return_window','coexec_info'])[1 + mod(i, 5)]"
            assignment = "CASE WHEN mod(i, 5) = 1 THEN NULL ELSE %s + i / 5 END"
            organization = "CASE WHEN mod(i, 5) = 1 THEN %s ELSE %s + mod(i / 5, %s) END"
            cur.execute(
                f"INSERT INTO {table} (case_id, assignment_id, organization_id, stage, point, limit_value,"
                " limit_unit, started_at, due_at, warn_at, outcome)"
                f" SELECT %s + i / 5, {assignment}, {organization}, {stages}, '11', 60, 'working_minutes',"
                "   %s - interval '2 hours',"
                "   CASE WHEN i < %s THEN %s - (i || ' seconds')::interval"
                "        WHEN i < 2 * %s THEN %s + interval '10 minutes'"
                "        ELSE %s + ((mod(i, 10000)) || ' minutes')::interval + interval '1 hour' END,"
                "   CASE WHEN i < %s THEN %s - interval '20 minutes' - (i || ' seconds')::interval"
                "        WHEN i < 2 * %s THEN %s - interval '1 minute'"
                "        ELSE %s + ((mod(i, 10000)) || ' minutes')::interval + interval '45 minutes' END,"
                "   ''"
                " FROM generate_series(0, %s - 1) AS i",
                [
                    first_case,
                    first_assignment,
                    admin_org,
                    first_org,
                    ORGANIZATIONS,
                    now,
                    n_due,
                    now,
                    n_due,
                    now,
                    now,
                    n_due,
                    now,
                    n_due,
                    now,
                    now,
                    args.rows,
                ],
            )
            # Overdue rows nobody closed: already warned and breached by earlier sweeps, still open. In
            # real life they pile up; the sweep must not read them again.
            cur.execute(
                f"INSERT INTO {table} (case_id, assignment_id, organization_id, stage, point, limit_value,"
                " limit_unit, started_at, due_at, warn_at, warned_at, breached_at, outcome)"
                " SELECT %s + mod(i, %s), %s + mod(i, %s), %s + mod(i, %s), 'draft', '11', 60, 'working_minutes',"
                " %s - interval '10 days', %s - interval '9 days' - (i || ' seconds')::interval,"
                " %s - interval '9 days 1 hour', %s - interval '9 days 1 hour', %s - interval '9 days', ''"
                " FROM generate_series(1, %s) AS i",
                [first_case, n_cases, first_assignment, n_cases, first_org, ORGANIZATIONS] + [now] * 5 + [args.overdue],
            )
            cur.execute(
                f"INSERT INTO {table} (case_id, assignment_id, organization_id, stage, point, limit_value,"
                " limit_unit, started_at, due_at, warn_at, warned_at, closed_at, closed_by_id, outcome)"
                " SELECT %s + mod(i, %s), %s + mod(i, %s), %s + mod(mod(i, %s), %s), 'draft', '11', 60,"
                " 'working_minutes', %s - interval '30 days', %s - interval '29 days', %s - interval '29 days 1 hour',"
                " %s - interval '29 days 1 hour', %s - interval '29 days 2 hours', %s + mod(i, %s), 'met'"
                " FROM generate_series(1, %s) AS i",
                [first_case, n_cases, first_assignment, n_cases, first_org, n_cases, ORGANIZATIONS]
                + [now] * 5
                + [first_user, USERS, args.closed],
            )
            print(
                f"filled {args.rows:,} open (+{args.overdue:,} open, already breached; +{args.closed:,} closed)"
                f" deadlines: {time.perf_counter() - t0:.1f} s"
            )
        else:
            cur.execute(
                f"UPDATE {table} SET warned_at = NULL, breached_at = NULL WHERE closed_at IS NULL"
                " AND (warned_at IS NOT NULL OR breached_at IS NOT NULL) AND due_at > %s - interval '1 day'",
                [now],
            )
            cur.execute(
                f"UPDATE {table} SET closed_at = NULL, outcome = '' WHERE outcome = 'lapsed' AND due_at <= %s", [now]
            )
            # As filled: the lapse pass then rewrites the nearest deadline of the same cases again.
            cur.execute("UPDATE cases_case SET next_due_at = NULL WHERE next_due_at IS NOT NULL")
            cur.execute("UPDATE cases_caseorganization SET next_due_at = NULL WHERE next_due_at IS NOT NULL")
        # As autovacuum would have left them: statistics for the planner, hint bits set.
        for filled in (table, "cases_case", "cases_assignment", "cases_caseorganization"):
            cur.execute(f"VACUUM ANALYZE {filled}")
        cur.execute(f"SELECT count(*) FILTER (WHERE closed_at IS NULL), count(*) FROM {table}")
        open_rows, all_rows = cur.fetchone()
        cur.execute(
            f"SELECT count(*) FILTER (WHERE breached_at IS NULL), count(*) FILTER (WHERE breached_at IS NOT NULL)"
            f" FROM {table} WHERE closed_at IS NULL AND due_at <= %s",
            [now],
        )
        due_rows, piled_rows = cur.fetchone()
        print(
            f"rows: {all_rows:,} total, {open_rows:,} open, {due_rows:,} due at {now.isoformat()}"
            f" (+{piled_rows:,} open, breached earlier)"
        )

        print("\nquery plans (EXPLAIN ANALYZE, rolled back):")
        for name, (sql, params) in sweep_module.statements(now).items():
            with transaction.atomic():
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                plan = [row[0] for row in cur.fetchall()]
                transaction.set_rollback(True)
            index_lines = [line.strip() for line in plan if "Index" in line or "Seq Scan" in line]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"  {name:6s} one batch of {sweep_module.BATCH_SIZE}: {total}")
            for line in index_lines:
                print(f"         {line}")

        # Calibration: how fast this machine updates plain rows right now (it is shared).
        cur.execute("DROP TABLE IF EXISTS bench_calibration")
        cur.execute("CREATE TABLE bench_calibration (id bigserial PRIMARY KEY, v timestamptz)")
        cur.execute("INSERT INTO bench_calibration (v) SELECT NULL FROM generate_series(1, %s)", [n_due])
        t0 = time.perf_counter()
        cur.execute("UPDATE bench_calibration SET v = now()")
        calibration = time.perf_counter() - t0
        cur.execute("DROP TABLE bench_calibration")
        print(f"\ncalibration: UPDATE of {n_due:,} rows of a 2-column table: {calibration * 1000:.0f} ms")
        # Not in the middle of the checkpoint the fill's gigabyte of WAL triggers; and, as in
        # production (a checkpoint every few minutes), the first change of each page after it
        # writes the whole page to the WAL — also the pages the rolled-back plans above touched.
        cur.execute("CHECKPOINT")

    events = {"deadline_warned": 0, "deadline_breached": 0}

    def count(kind: str, payload: dict) -> None:  # type: ignore[type-arg]
        with lock:
            events[kind] += 1

    import threading

    batch = args.batch or sweep_module.BATCH_SIZE
    results: list = []  # type: ignore[type-arg]
    lock = threading.Lock()

    def consumer() -> None:
        try:
            r = sweep_module.sweep(now, publish=count, batch_size=batch)
            with lock:
                results.append(r)
        finally:
            connection.close()

    with connection.cursor() as cur:
        cur.execute(WAL_AND_CHECKPOINTS)
        wal_before, checkpoints_before = cur.fetchone()
    threads = [threading.Thread(target=consumer) for _ in range(args.consumers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    full = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute(WAL_AND_CHECKPOINTS)
        wal_after, checkpoints_after = cur.fetchone()
    result = sweep_module.SweepResult(
        warned=[i for r in results for i in r.warned],
        breached=[i for r in results for i in r.breached],
        lapsed=[i for r in results for i in r.lapsed],
        seconds=results[0].seconds if len(results) == 1 else {},
    )
    for marked in (result.warned, result.breached, result.lapsed):
        assert len(set(marked)) == len(marked), "a row was marked twice"
    print(f"\nconsumers: {args.consumers}, batch size: {batch}")
    t0 = time.perf_counter()
    idle = sweep_module.sweep(now + dt.timedelta(seconds=30), publish=count)
    idle_time = time.perf_counter() - t0
    phases = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.seconds.items())
    print(f"\nfull sweep: {full * 1000:.0f} ms — {result} ({phases}); events {events}")
    print(
        f"  WAL written: {float(wal_after - wal_before) / 1e6:.1f} MB;"
        f" checkpoints started during the sweep: {checkpoints_after - checkpoints_before}"
    )
    t0 = time.perf_counter()
    sweep_module.sweep(now + dt.timedelta(seconds=60), publish=count)
    idle_again = time.perf_counter() - t0
    print(f"idle sweep (nothing new due): {idle_time * 1000:.1f} ms — {idle}")
    print(f"idle sweep again (dead index entries of the marked rows skipped): {idle_again * 1000:.1f} ms")
    target = 1.0
    print(f"target < {target:.0f} s: full sweep at {full / target:.2f} of the limit")


if __name__ == "__main__":
    main()
