"""Benchmark: the API's case list and case detail on a million cases.

Run by hand (not in CI), with PostgreSQL at 127.0.0.1:5432:

    .venv/bin/python bench/api.py [--seed] [--duration 60] [--clients 8] [--workers 3]

``--seed`` (re)creates the database ``otklik_bench_api`` (``BENCH_API_DB`` names another) with 10 municipalities, 200
organizations, 2,000 users and 1,000,000 cases (posts, assignments, deadlines, events)
generated in SQL; without it an existing seeded database is reused. The server is gunicorn
with the production settings path (DEBUG off, rate limits off), the load generator runs
``--clients`` processes on the same machine (so it shares the 2 cores). Each scenario runs
``--duration`` seconds after a short warm-up and prints requests per second and p50/p95/p99.
``GET /api/v1/ping`` (no database, no auth) and ``GET /api/v1/me`` (token check and roles,
nothing else) are measured too, as references for what any call costs on the same server.
Target (issue 16): list and detail p95 under 150 ms; requests per second are reported, with
no target (a busy region makes tens of requests a second).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DB_NAME = os.environ.get("BENCH_API_DB", "otklik_bench_api")  # another name keeps a seeded database
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{PG}/{DB_NAME}"
DATA_DIR = "/tmp/otklik_bench_api_data"
MUNICIPALITIES = 10
SUBDIVISIONS = 19  # per municipality, plus the administration
USERS = 2000
CASES = 1_000_000
PORT = int(os.environ.get("BENCH_API_PORT", "8765"))  # another one if a second bench runs


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        OTKLIK_DATA_DIR=DATA_DIR,
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        OTKLIK_API_RATE_LIMIT="0",
        OTKLIK_API_SERVICE_RATE_LIMIT="0",
        LOG_LEVEL="WARNING",
        ACCESS_LOG_LEVEL="WARNING",
        HUEY_IMMEDIATE="0",
        DJANGO_SETTINGS_MODULE="otklik.settings",
        DB_CONN_MAX_AGE="600",
        # As in production: Redis is the shared cache (rate limits).
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )
    return env


# ---- seeding ------------------------------------------------------------------------------


def seed() -> None:
    subprocess.run(["psql", PG + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    subprocess.run(["psql", PG + "/postgres", "-qc", f"CREATE DATABASE {DB_NAME}"], check=True)
    env = server_env()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from otklik.directory.models import Membership, Municipality, Organization, Role

    t0 = time.perf_counter()
    password = make_password("bench-password-1")
    with transaction.atomic():
        orgs: list[tuple[int, int, int]] = []  # (muni_idx, org_idx, org_id); org_idx -1 = administration
        memberships = []
        users = []
        for m in range(MUNICIPALITIES):
            muni = Municipality.objects.create(name=f"Округ {m}", slug=f"bench-{m}")
            admin = Organization.objects.create(
                municipality=muni, kind="administration", name=f"Администрация {m}", short_name=f"Адм {m}"
            )
            orgs.append((m, -1, admin.pk))
            subs = Organization.objects.bulk_create(
                Organization(
                    municipality=muni,
                    parent=admin,
                    kind="subdivision",
                    name=f"Управление {m}-{i}",
                    short_name=f"У{m}-{i}",
                )
                for i in range(SUBDIVISIONS)
            )
            orgs += [(m, i, o.pk) for i, o in enumerate(subs)]
            per_muni = USERS // MUNICIPALITIES
            for u in range(per_muni):
                username = f"m{m}u{u}"
                users.append(User(username=username, password=password, first_name="Пользователь", last_name=username))
                if u < 10:
                    memberships.append((username, Role.SPECIALIST, admin, muni))
                else:
                    memberships.append((username, Role.EXECUTOR, subs[u % SUBDIVISIONS], muni))
        User.objects.bulk_create(users, batch_size=1000)
        by_name = dict(User.objects.values_list("username", "pk"))
        Membership.objects.bulk_create(
            Membership(user_id=by_name[n], role=r, organization=o, municipality=mu) for n, r, o, mu in memberships
        )
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bench_org (muni_idx int, org_idx int, org_id bigint, muni_id bigint)")
            cur.executemany(
                "INSERT INTO bench_org VALUES (%s, %s, %s, (SELECT municipality_id FROM directory_organization WHERE id=%s))",
                [(m, i, oid, oid) for m, i, oid in orgs],
            )
    print(f"directory: {len(orgs)} organizations, {len(users)} users in {time.perf_counter() - t0:.1f} s", flush=True)

    # A million cases, generated in SQL. Case g: municipality g % 10, organization (g / 10) % 19;
    # status by s = (g / 7) % 10: 0 new, 1–3 assigned, 4 review, 5–9 answered.
    steps = [
        (
            "posts",
            """
            INSERT INTO cases_post (id, network, source_key, url, author_id, author_name, author_url, text,
                attachments, parent_key, published_at, collected_at, raw, municipality_id, case_id)
            SELECT g, 'vk', 'bench-' || g, 'https://vk.com/wall-1_' || g, (g %% 50000)::text, 'Автор ' || (g %% 50000),
                '', 'Сообщение ' || g || ': яма на дороге у дома ' || (g %% 300) || ', просим принять меры.',
                '[]'::jsonb, '', now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval, '{}'::jsonb,
                o.muni_id, g
            FROM generate_series(1, %(n)s) g
            JOIN bench_org o ON o.muni_idx = g %% 10 AND o.org_idx = -1
            """,
        ),
        (
            "cases",
            """
            INSERT INTO cases_case (id, status, created_at, updated_at, detected_at, routed_at, answered_at, closed_at,
                version, is_significant, significant_reason, excluded_reason, excluded_comment, dismissed_reason,
                next_due_at, municipality_id, primary_post_id)
            SELECT g,
                CASE WHEN (g / 7) %% 10 = 0 THEN 'new' WHEN (g / 7) %% 10 <= 3 THEN 'assigned'
                     WHEN (g / 7) %% 10 = 4 THEN 'review' ELSE 'answered' END,
                now() - (g || ' seconds')::interval, now(), now() - (g || ' seconds')::interval,
                CASE WHEN (g / 7) %% 10 > 0 THEN now() - (g || ' seconds')::interval END,
                CASE WHEN (g / 7) %% 10 >= 5 THEN now() - (g || ' seconds')::interval END,
                CASE WHEN (g / 7) %% 10 >= 5 THEN now() - (g || ' seconds')::interval END,
                3, g %% 97 = 0, '', '', '', '',
                CASE WHEN (g / 7) %% 10 < 5 THEN now() + (((g::bigint * 7919) %% 20000) - 2000 || ' minutes')::interval END,
                o.muni_id, g
            FROM generate_series(1, %(n)s) g
            JOIN bench_org o ON o.muni_idx = g %% 10 AND o.org_idx = -1
            """,
        ),
        (
            "assignments",
            """
            INSERT INTO cases_assignment (id, role, status, is_active, assigned_at, return_reason, info_text,
                info_attachments, info_remarks, organization_id, case_id)
            SELECT g, 'sole', 'assigned', true, now() - (g || ' seconds')::interval, '', '', '[]'::jsonb, '',
                o.org_id, g
            FROM generate_series(1, %(n)s) g
            JOIN bench_org o ON o.muni_idx = g %% 10 AND o.org_idx = (g / 10) %% 19
            WHERE (g / 7) %% 10 <> 0
            """,
        ),
        (
            "case organizations",
            """
            INSERT INTO cases_caseorganization (case_id, organization_id, next_due_at)
            SELECT a.case_id, a.organization_id, c.next_due_at
            FROM cases_assignment a JOIN cases_case c ON c.id = a.case_id
            """,
        ),
        (
            "deadlines",
            """
            INSERT INTO cases_deadline (stage, point, limit_value, limit_unit, started_at, due_at, warn_at,
                closed_at, outcome, case_id, organization_id, assignment_id)
            SELECT CASE WHEN c.status = 'new' THEN 'route' WHEN c.status = 'review' THEN 'review' ELSE 'draft' END,
                '11', 60, 'working_minutes', c.created_at,
                coalesce(c.next_due_at, c.created_at + interval '1 hour'),
                coalesce(c.next_due_at, c.created_at + interval '1 hour') - interval '15 minutes',
                CASE WHEN c.status = 'answered' THEN c.answered_at END,
                CASE WHEN c.status = 'answered' THEN 'met' ELSE '' END,
                c.id, a.organization_id, a.id
            FROM cases_case c LEFT JOIN cases_assignment a ON a.case_id = c.id
            """,
        ),
        (
            "events",
            """
            INSERT INTO cases_caseevent (kind, data, created_at, case_id)
            SELECT 'case_created', jsonb_build_object('before', null, 'after', 'new'), c.created_at, c.id
            FROM cases_case c
            UNION ALL
            SELECT 'case_routed', jsonb_build_object('before', 'new', 'after', 'assigned'), c.routed_at, c.id
            FROM cases_case c WHERE c.routed_at IS NOT NULL
            """,
        ),
    ]
    # One transaction: posts and cases point at each other (the FKs are checked at commit).
    with transaction.atomic(), connection.cursor() as cur:
        for name, sql in steps:
            t = time.perf_counter()
            cur.execute(sql, {"n": CASES})
            print(f"{name}: {cur.rowcount} rows in {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cur:
        for table in (
            "cases_post",
            "cases_case",
            "cases_assignment",
            "cases_caseorganization",
            "cases_deadline",
            "cases_caseevent",
        ):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        print(f"vacuum analyze: {time.perf_counter() - t:.1f} s", flush=True)
    print(f"seeded in {time.perf_counter() - t0:.0f} s", flush=True)


def make_tokens() -> list[dict[str, Any]]:
    """Personal tokens for 1 specialist and 4 executors per municipality, with ids they can see."""
    os.environ.update(server_env())
    import django

    django.setup()
    from django.contrib.auth.models import User

    from otklik.api.models import ApiToken
    from otklik.directory.models import Membership

    ApiToken.objects.filter(name="bench").delete()
    out = []
    for m in range(MUNICIPALITIES):
        for u in (0, 10, 11, 12, 13):
            user = User.objects.get(username=f"m{m}u{u}")
            _, raw = ApiToken.issue(user=user, name="bench")
            membership = Membership.objects.get(user=user)
            org_idx = None if membership.role == "specialist" else (u % SUBDIVISIONS)
            out.append({"token": raw, "muni_idx": m, "org_idx": org_idx})
    return out


def visible_case_id(rng: random.Random, who: dict[str, Any]) -> int:
    """A random case the token's owner sees: case g is in municipality g % 10, organization
    (g / 10) % 19, and routed unless (g / 7) % 10 == 0 (see ``seed``)."""
    while True:
        g = 10 * rng.randrange(CASES // 10) + who["muni_idx"]
        if not 0 < g <= CASES:
            continue
        if who["org_idx"] is None:
            return g
        k = SUBDIVISIONS * rng.randrange(CASES // 10 // SUBDIVISIONS) + who["org_idx"]
        g = 10 * k + who["muni_idx"]
        if 0 < g <= CASES and (g // 7) % 10 != 0:
            return g


# ---- load -----------------------------------------------------------------------------------


def client(scenario: str, tokens: list[dict[str, Any]], seconds: float, seed_: int, out: Any) -> None:
    rng = random.Random(seed_)
    latencies: list[float] = []
    errors = 0
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        who = rng.choice(tokens)
        headers = {"Authorization": f"Bearer {who['token']}"}
        if scenario == "trivial":
            path, headers = "/api/v1/ping", {}
        elif scenario == "me":
            path = "/api/v1/me"
        elif scenario == "list":
            path = "/api/v1/cases?limit=50"
        else:
            path = f"/api/v1/cases/{visible_case_id(rng, who)}"
        t = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        latencies.append(time.perf_counter() - t)
        if not ok:
            errors += 1
    out.put((latencies, errors))


def run(scenario: str, tokens: list[dict[str, Any]], clients: int, seconds: float) -> dict[str, float]:
    ctx = mp.get_context("fork")
    # Warm-up: connections, caches, the OS page cache of the tables.
    q: Any = ctx.Queue()
    warm = [ctx.Process(target=client, args=(scenario, tokens, 5.0, 1000 + i, q)) for i in range(clients)]
    for p in warm:
        p.start()
    for _ in warm:
        q.get()
    for p in warm:
        p.join()
    q = ctx.Queue()
    procs = [ctx.Process(target=client, args=(scenario, tokens, seconds, i, q)) for i in range(clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - start
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    q_ = statistics.quantiles(lat, n=100)
    return {
        "requests": len(lat),
        "errors": errors,
        "rps": len(lat) / elapsed,
        "p50_ms": q_[49] * 1000,
        "p95_ms": q_[94] * 1000,
        "p99_ms": q_[98] * 1000,
    }


def start_server(workers: int, threads: int) -> subprocess.Popen:
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "otklik.wsgi:application",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(), start_new_session=True)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/api/v1/ping")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    global CASES
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", action="store_true", help="(re)create and fill the benchmark database")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--scenarios",
        default="trivial,me,list,detail",
        help="comma-separated subset of trivial,me,list,detail (trivial is always run: it is the limit)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases to seed (default 1,000,000)")
    args = parser.parse_args()
    CASES = args.cases
    if args.seed:
        seed()
    tokens = make_tokens()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case")
        cases = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM auth_user")
        users = cur.fetchone()[0]
    connection.close()
    print(f"database {DB_NAME}: {cases} cases, {users} users; {args.clients} clients x {args.duration:.0f} s each")
    wanted = {"trivial", *args.scenarios.split(",")}
    unknown = wanted - {"trivial", "me", "list", "detail"}
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    server = start_server(args.workers, args.threads)
    figures: dict[str, dict[str, float]] = {}
    try:
        for scenario in [s for s in ("trivial", "me", "list", "detail") if s in wanted]:
            figures[scenario] = run(scenario, tokens, args.clients, args.duration)
            f = figures[scenario]
            print(
                f"{scenario:8s} {f['rps']:8.1f} req/s  p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms  "
                f"p99 {f['p99_ms']:6.1f} ms  ({f['requests']} requests, {f['errors']} errors)",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    for scenario in [s for s in ("list", "detail") if s in figures]:
        f = figures[scenario]
        ok = f["p95_ms"] < 150 and f["errors"] == 0  # a failed request is not a fast one
        print(
            f"{scenario}: {f['rps']:.0f} req/s, p95 {f['p95_ms']:.0f} ms (target < 150 ms) -> {'OK' if ok else 'MISSED'}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"cases": cases, "users": users, "clients": args.clients, **figures}, fh, indent=2)


if __name__ == "__main__":
    main()
