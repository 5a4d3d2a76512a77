"""Benchmark: the inbox and the case page on a million cases (server-side render time).

Run by hand (not in CI) against the database ``bench/api.py --seed`` creates
(``otklik_bench_api``: 10 municipalities, 1,000,000 cases, 100,000 per municipality):

    .venv/bin/python bench/web_inbox.py [--seed] [--db otklik_bench_api] [--repeat 20]

``--seed`` fills the database named by ``--db`` with bench/api.py's generator first (it drops
and recreates that database).

Each page is rendered in-process through Django's test client (full middleware, templates,
navigation counts) as a specialist of one municipality (100,000 cases) and as an executor,
``--repeat`` times after a warm-up; it prints p50/p95 in milliseconds and the number of SQL
queries, then the ratio to a trivial page (the login form: no database work) rendered the
same way. It writes nothing but two login sessions. Target: every page p95 under 200 ms
with a query count that does not depend on the data.
"""

from __future__ import annotations

import argparse
import os
import sys

from inprocess import ROOT, configure, measure_page

PG = "postgres://postgres@127.0.0.1:5432"
configure("/tmp/otklik_bench_web_data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", default="otklik_bench_api")
    parser.add_argument("--seed", action="store_true")
    args = parser.parse_args()
    if args.seed:
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import api as generator  # bench/api.py

        generator.DB_NAME = args.db
        generator.DATABASE_URL = f"{PG}/{args.db}"
        generator.DATA_DIR = "/tmp/otklik_bench_web_data"
        generator.seed()
    os.environ["DATABASE_URL"] = f"{PG}/{args.db}"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import setup_test_environment

    from otklik.cases.models import Case

    setup_test_environment()
    total = Case.objects.count()
    if total < 100_000:
        sys.exit(f"only {total} cases in the database: seed it with bench/api.py --seed first")
    specialist = User.objects.get(username="m0u0")
    executor = User.objects.get(username="m0u10")
    muni_id = specialist.memberships.first().municipality_id
    in_muni = Case.objects.filter(municipality_id=muni_id).count()
    case_id = (
        Case.objects.filter(municipality_id=muni_id, status="review").order_by("-id").values_list("id", flat=True)[0]
    )
    own_case = (
        Case.objects.filter(assignments__organization__memberships__user=executor)
        .order_by("-id")
        .values_list("id", flat=True)[0]
    )
    from otklik.cases.queries import cursor_of, listed

    deep = listed(specialist).filter(municipality_id=muni_id)[5000]
    found = Case.objects.filter(municipality_id=muni_id, status="assigned").select_related("primary_post")[1234]
    link = found.primary_post.url.replace("https://", "https://m.")
    print(f"{total} cases; municipality of the specialist: {in_muni}; {args.repeat} renders per page")

    anon = Client()
    base_p50, base_p95, _ = measure_page(anon, "/login/", args.repeat)
    print(f"{'trivial page /login/':<48} p50 {base_p50:7.1f} ms  p95 {base_p95:7.1f} ms")
    rows = [
        ("specialist", specialist, "/inbox/"),
        ("specialist", specialist, "/inbox/?view=review"),
        ("specialist", specialist, "/inbox/?view=overdue"),
        ("specialist", specialist, "/inbox/?view=all"),
        ("specialist", specialist, f"/inbox/?view=all&after={cursor_of(deep)}"),
        ("specialist", specialist, "/inbox/?view=all&status=assigned&network=vk"),
        ("specialist", specialist, "/inbox/?view=all&q=дома+17"),
        ("specialist", specialist, "/inbox/?view=all&q=ДОМА+17+яма"),
        ("specialist", specialist, f"/inbox/?view=all&q=№{found.pk}"),
        ("specialist", specialist, f"/inbox/?view=all&q={found.primary_post.author_name.replace(' ', '+')}"),
        ("specialist", specialist, f"/inbox/?view=all&q={link}"),
        ("specialist", specialist, "/feed/"),
        ("specialist", specialist, f"/cases/{case_id}/"),
        ("executor", executor, "/inbox/"),
        ("executor", executor, "/inbox/?view=all"),
        ("executor", executor, f"/cases/{own_case}/"),
    ]
    clients: dict[str, Client] = {}
    worst = 0.0
    for who, user, url in rows:
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(user)
        p50, p95, queries = measure_page(clients[who], url, args.repeat)
        worst = max(worst, p95)
        print(
            f"{who + ' ' + url:<48} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} queries  x{p50 / base_p50:5.1f} of trivial"
        )
    worst = max(worst, walk_navigation(muni_id, specialist, executor, args.repeat, base_p50))
    print(f"worst p95: {worst:.0f} ms (target < 200 ms): {'OK' if worst < 200 else 'OVER'}")


def walk_navigation(muni_id: int, specialist, executor, repeat: int, base_p50: float) -> float:  # type: ignore[no-untyped-def]
    """Every page of the navigation, as each role sees it (issue 17): the bench's seed has only
    specialists and executors, so a coordinator, the Head, an observer and an organization's
    responsible of the same municipality are added (get_or_create: reruns add nothing)."""
    import re

    from django.contrib.auth.models import User
    from django.test import Client

    from otklik.directory.models import Membership, Role

    org = executor.memberships.first().organization
    people = {"specialist": specialist, "executor": executor}
    for role in (Role.COORDINATOR, Role.HEAD, Role.OBSERVER, Role.ORG_RESPONSIBLE):
        user, _ = User.objects.get_or_create(username=f"bench_{role}")
        Membership.objects.get_or_create(
            user=user, role=role, municipality_id=muni_id,
            organization=org if role == Role.ORG_RESPONSIBLE else None,
        )  # fmt: skip
        people[str(role)] = user
    worst = 0.0
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        home = client.get("/inbox/", follow=True).content.decode()
        nav = re.search(r'<nav aria-label="Разделы" id="nav">(.*?)</nav>', home, re.S)
        paths = sorted(set(re.findall(r'href="(/[^"]*)"', nav.group(1) if nav else "")))
        for url in paths:
            p50, p95, queries = measure_page(client, url, repeat)
            worst = max(worst, p95)
            print(
                f"{'nav ' + who + ' ' + url:<48} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} queries  "
                f"x{p50 / base_p50:5.1f} of trivial"
            )
    return worst


if __name__ == "__main__":
    main()
