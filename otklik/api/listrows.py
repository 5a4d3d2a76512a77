# ruff: noqa: S608 - every name in this SQL comes from the models, nothing from input
"""The API's case list, kept rendered by PostgreSQL: one row per case in ``api_caselistrow``.

A page of the list used to render 50 rows per request — five joins per row and 300
timestamps formatted — which cost more than everything else the request did. The rows
are now rendered when something they show changes, by triggers on every table a row is
made from (case, post, assignment, organization, topic, municipality), in the same
transaction as the change: a reader never sees a row older than the data it shows, and no
write path (actions, the sweep, imports, the admin, a bulk ``update()``) can forget it.

The row's SQL is ``pgjson.rendered_rows()``, made from ``shapes.py`` like every other
rendering; the status label (in the reader's language) and the nearest deadline (the page's
sort key, which the sweep moves for thousands of cases at once) are added when it is read. :func:`install` runs after every ``migrate`` (``apps.py``): it (re)creates the
functions and triggers from the current code and, when that SQL changed since the rows
were rendered (its hash is kept as the table's comment), renders every row again
(about 80 s per million cases). ``manage.py rebuild_list_rows`` does the same by hand.

Concurrency: a refresh first locks the rows it will rewrite, then renders them in a new
statement, so two transactions changing the same case one after the other (e.g. two
co-executors' assignments) leave the row as of the later commit, not of its snapshot.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import models as dj

from otklik.api.models import CaseListRow
from otklik.api.pgjson import AT_READ, _col, _q, _table, rendered_rows
from otklik.api.shapes import ASSIGNMENT_REF, CASE_ROW
from otklik.cases.models import Assignment, Case, Post
from otklik.directory.models import Municipality, Organization, Topic

logger = logging.getLogger(__name__)

REFRESH = "otklik_list_rows_refresh"
PREFIX = "otklik_list_rows_"


def _column(model: type[dj.Model], name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    assert isinstance(column, str)
    return _q(column)


def _shown(model: type[dj.Model], paths: dict[str, str], relation: str = "") -> list[str]:
    """Columns of ``model`` a row shows, from the ORM paths of ``shapes`` (``relation``: the
    paths' prefix that leads to ``model``; empty for the case itself)."""
    names = set()
    for path in paths.values():
        head, _, name = path.rpartition("__")
        if head == relation:
            names.add(name.removesuffix("_id") if name.endswith("_id") else name)
    return sorted(_column(model, n) for n in names)


def _changed(columns: list[str]) -> str:
    """Rows of the transition tables ``n`` (new) and ``o`` (old) whose shown columns differ."""
    return (
        "(" + ", ".join(f"n.{c}" for c in columns) + ") IS DISTINCT FROM (" + ", ".join(f"o.{c}" for c in columns) + ")"
    )


def _upsert(where: str) -> str:
    """Render the rows of the cases ``where`` (a condition on the case ``c``) into the table."""
    return (
        f"INSERT INTO {_q(CaseListRow._meta.db_table)} (case_id, status, members) {rendered_rows(where)} "
        "ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, members = EXCLUDED.members"
    )


def statements() -> list[str]:
    """Every function and trigger, as SQL: made from the models and ``shapes.py``."""
    rows = _q(CaseListRow._meta.db_table)
    case_id = _col(Case, "c", "id")
    refresh = f"""
CREATE OR REPLACE FUNCTION {REFRESH}(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Wait for whoever is rewriting these rows; the next statement then sees their commit.
    PERFORM 1 FROM {rows} WHERE case_id = ANY(ids) ORDER BY case_id FOR UPDATE;
    {_upsert(f"{case_id} = ANY(ids)")};
END
$fn$"""
    out = [refresh]

    def trigger(table: str, name: str, body_by_op: dict[str, str]) -> None:
        branches = []
        for op, body in body_by_op.items():
            branches.append(f"IF TG_OP = '{op}' THEN\n        {body};\n    END IF;")
        out.append(
            f"CREATE OR REPLACE FUNCTION {PREFIX}{name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
            "BEGIN\n    " + "\n    ".join(branches) + "\n    RETURN NULL;\nEND\n$fn$"
        )
        for op in body_by_op:
            tables = {"INSERT": "NEW TABLE AS n", "UPDATE": "OLD TABLE AS o NEW TABLE AS n", "DELETE": "OLD TABLE AS o"}
            out.append(
                f"CREATE OR REPLACE TRIGGER {PREFIX}{name}_{op.lower()} AFTER {op} ON {table} "
                f"REFERENCING {tables[op]} FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}{name}()"
            )

    def refresh_of(select: str) -> str:
        return f"PERFORM {REFRESH}(ARRAY({select}))"

    def changed(model: type[dj.Model], columns: list[str]) -> str:
        """Ids of the rows of ``model`` whose shown ``columns`` an UPDATE changed."""
        pk = _column(model, "id")
        return f"SELECT n.{pk} FROM n JOIN o ON o.{pk} = n.{pk} WHERE {_changed(columns)}"

    def cases_linked(link: str, model: type[dj.Model], columns: list[str]) -> dict[str, str]:
        """Refresh the cases whose ``link`` (a foreign key of the case) is a changed row of ``model``."""
        return {
            "UPDATE": refresh_of(
                f"SELECT c.{cid} FROM {_table(Case)} c WHERE c.{_column(Case, link)} IN ({changed(model, columns)})"
            )
        }

    # The case: its own columns, and the links to the post, topic and municipality.
    stored = {key: path for key, path in CASE_ROW.items() if key not in AT_READ}
    case_cols = sorted(
        {*_shown(Case, stored), _column(Case, "primary_post"), _column(Case, "topic"), _column(Case, "municipality")}
    )
    cid = _column(Case, "id")
    trigger(
        _table(Case),
        "case",
        {
            "INSERT": refresh_of(f"SELECT n.{cid} FROM n"),
            "UPDATE": refresh_of(changed(Case, case_cols)),
            "DELETE": f"DELETE FROM {rows} WHERE case_id IN (SELECT o.{cid} FROM o)",
        },
    )

    # The post (the case whose primary post it is); names shown in rows: a topic's, a municipality's.
    post_cols = sorted({*_shown(Post, CASE_ROW, "primary_post"), _column(Post, "text")})
    trigger(_table(Post), "post", cases_linked("primary_post", Post, post_cols))
    trigger(_table(Topic), "topic", cases_linked("topic", Topic, [_column(Topic, "name")]))
    m_cols = _shown(Municipality, CASE_ROW, "municipality")
    trigger(_table(Municipality), "municipality", cases_linked("municipality", Municipality, m_cols))
    # An assignment: its case (both cases, should it move).
    a_case = _column(Assignment, "case")
    a_cols = sorted({*_shown(Assignment, ASSIGNMENT_REF), _column(Assignment, "is_active"), a_case})
    aid = _column(Assignment, "id")
    trigger(
        _table(Assignment),
        "assignment",
        {
            "INSERT": refresh_of(f"SELECT DISTINCT n.{a_case} FROM n WHERE n.{_column(Assignment, 'is_active')}"),
            "UPDATE": refresh_of(
                f"SELECT n.{a_case} FROM n JOIN o ON o.{aid} = n.{aid} WHERE {_changed(a_cols)} "
                f"UNION SELECT o.{a_case} FROM n JOIN o ON o.{aid} = n.{aid} WHERE o.{a_case} IS DISTINCT FROM n.{a_case}"
            ),
            "DELETE": refresh_of(f"SELECT DISTINCT o.{a_case} FROM o"),
        },
    )
    # An organization's name, shown in the rows of the cases it has an active assignment in.
    o_cols = _shown(Organization, ASSIGNMENT_REF, "organization")
    trigger(
        _table(Organization),
        "organization",
        {
            "UPDATE": refresh_of(
                f"SELECT DISTINCT a.{a_case} FROM {_table(Assignment)} a WHERE a.{_column(Assignment, 'is_active')} "
                f"AND a.{_column(Assignment, 'organization')} IN ({changed(Organization, o_cols)})"
            )
        },
    )
    return out


def fingerprint(sql: list[str] | None = None) -> str:
    """A short hash of the SQL of :func:`statements` (given, or made now)."""
    return hashlib.sha256("\n;\n".join(statements() if sql is None else sql).encode()).hexdigest()[:16]


def _stored_fingerprint(cursor: Any) -> str:
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [CaseListRow._meta.db_table])
    (comment,) = cursor.fetchone()
    return (comment or "").removeprefix("rows rendered by ")


def rebuild(cursor: Any) -> int:
    """Render every case's row again (and drop rows of cases that no longer exist)."""
    rows = _q(CaseListRow._meta.db_table)
    case_id = _col(Case, "c", "id")
    cursor.execute(f"LOCK TABLE {rows} IN EXCLUSIVE MODE")
    cursor.execute(
        f"DELETE FROM {rows} r WHERE NOT EXISTS (SELECT 1 FROM {_table(Case)} c WHERE {case_id} = r.case_id)"
    )
    cursor.execute(_upsert("true"))
    return int(cursor.rowcount)


_UNINSTALL = r"""
DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger WHERE tgname LIKE 'otklik\_list\_rows\_%' LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
    END LOOP;
    FOR t IN SELECT p.oid::regprocedure AS fn FROM pg_proc p WHERE p.proname LIKE 'otklik\_list\_rows\_%' LOOP
        EXECUTE format('DROP FUNCTION %s', t.fn);
    END LOOP;
END $$
"""


def uninstall(connection: Any) -> None:
    """Drop every trigger and function of this module (the table's reverse migration calls it:
    without the table, each trigger would make every write of a case fail)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_UNINSTALL)


def install(connection: Any, *, force: bool = False) -> int | None:
    """Create or replace the functions and triggers; render every row if their SQL changed
    since the rows were rendered (or ``force``). Returns the rows rendered, or None.

    Without the table (``migrate api 0001`` back), no trigger may stay: each would make every
    write of a case fail."""
    if connection.vendor != "postgresql":
        return None
    from django.db import transaction

    if CaseListRow._meta.db_table not in connection.introspection.table_names():
        uninstall(connection)
        return None
    sql = statements()
    current = fingerprint(sql)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
        if not force and _stored_fingerprint(cursor) == current:
            return None
        count = rebuild(cursor)
        cursor.execute(f"COMMENT ON TABLE {_q(CaseListRow._meta.db_table)} IS 'rows rendered by {current}'")
    logger.info("api_caselistrow: %s rows rendered (%s)", count, current)
    return count


def installed(connection: Any) -> bool:
    """Whether the rows were rendered by the current triggers' SQL."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return _stored_fingerprint(cursor) == fingerprint()
