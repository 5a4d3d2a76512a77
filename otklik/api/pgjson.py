"""The hot reads rendered as JSON by PostgreSQL itself.

A page of 50 cases, loaded into Python and encoded again, cost several times its SQL
(a timestamp object per value, a dict per row, a second query for the assignments). On
PostgreSQL the case list's rows (kept rendered: ``listrows.py``) and the collections of the
case detail are instead built by the database (``json_build_object`` / ``json_agg``) and
passed through as text. Which cases, in which order, stays the ORM's: a page wraps the query
that ``_page`` built (visibility, filters, cursor) and joins the stored rows. Both this and ``serialize.py``
(the Python rendering: SQLite, and every action's answer) are made from ``shapes.py``; here
timestamps are always written with microseconds (``2026-11-30T09:00:00.000000Z``).
``tests/test_pgjson.py`` checks both renderings give the same values. The statements are
run by :func:`fetch`, prepared where their plan does not depend on their values.

Every column name is taken from the models, so a renamed field breaks the build of the
SQL at the first request (and the tests), never silently.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, NamedTuple

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import DateTimeField, JSONField, Model, QuerySet

from otklik.api.models import CaseListRow
from otklik.api.shapes import ASSIGNMENT_REF, CASE_ROW, COLLECTIONS, LIST_TEXT
from otklik.cases.models import Assignment, Case, CaseEvent, Deadline, Post, Publication
from otklik.directory.models import Municipality, Organization, Topic

logger = logging.getLogger(__name__)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _col(model: type[Model], alias: str, name: str) -> str:
    column = model._meta.get_field(name).column  # type: ignore[union-attr]
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}.{name} has no column")
    return f"{alias}.{_q(column)}"


def _ts(expr: str) -> str:
    """A timestamp as RFC 3339 in UTC (NULL stays NULL, so JSON null)."""
    return f"""to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _value(model: type[Model], alias: str, name: str) -> str:
    """A model field as a JSON value: timestamps as text, JSON lists never anything else."""
    field = model._meta.get_field(name)
    col = _col(model, alias, name)
    if isinstance(field, DateTimeField):
        return _ts(col)
    if isinstance(field, JSONField):
        return f"CASE WHEN jsonb_typeof({col}) = 'array' THEN {col} ELSE '[]'::jsonb END"
    return col


def _object(model: type[Model], alias: str, fields: dict[str, str], **extra: str) -> str:
    """``json_build_object`` of ``{key: field name}`` plus ``extra`` keys given as SQL."""
    parts = [f"'{key}', {_value(model, alias, name)}" for key, name in fields.items()]
    parts += [f"'{key}', {sql}" for key, sql in extra.items()]
    return "json_build_object(" + ", ".join(parts) + ")"


def _array(model: type[Model], alias: str, obj: str, where: str, order: tuple[str, ...]) -> str:
    order_sql = ", ".join(_col(model, alias, name) for name in order)
    sql = f"SELECT json_agg({obj} ORDER BY {order_sql}) FROM {_table(model)} {alias} WHERE {where}"  # noqa: S608 - names from the models
    return f"COALESCE(({sql}), '[]'::json)"


# ---- the case list ------------------------------------------------------------------------
#
# A list row is kept, rendered, in ``api_caselistrow`` (``listrows.py``: PostgreSQL triggers
# re-render a case's row in the transaction that changes anything the row shows). A page is
# then the ORM's page query joined with 50 stored rows, assembled into one text by
# PostgreSQL. The status label (in the reader's language) and AT_READ are added when read.

# The tables a row is made from: the case ``c`` and its municipality ``m``, post ``p``, topic ``t``.
_ALIASES = {"": (Case, "c"), "municipality": (Municipality, "m"), "primary_post": (Post, "p"), "topic": (Topic, "t")}


@cache
def _row_sources() -> str:
    """``FROM`` the case and the tables of its row (the case as ``c``)."""
    c, m, p, t = "c", "m", "p", "t"
    return (
        f"{_table(Case)} {c} "
        f"JOIN {_table(Municipality)} {m} ON {_col(Municipality, m, 'id')} = {_col(Case, c, 'municipality')} "
        f"LEFT JOIN {_table(Post)} {p} ON {_col(Post, p, 'id')} = {_col(Case, c, 'primary_post')} "
        f"LEFT JOIN {_table(Topic)} {t} ON {_col(Topic, t, 'id')} = {_col(Case, c, 'topic')}"
    )


# Shown in a row but added when it is read, not stored: the nearest deadline is the page's own
# sort key (the case's, or its copy in the organization's CaseOrganization, kept equal in the
# same transaction), and the sweep moves it for thousands of cases at a time — rendering
# their rows again would cost the sweep more than it saves the list.
AT_READ = ("next_due_at",)


def rendered_rows(where: str) -> str:
    """``SELECT case_id, status, members`` of the cases ``where`` (a condition on the case ``c``):
    ``members`` is the case's list row without what is added when read (:data:`AT_READ`, the
    status label) as the members of a JSON object — its text between the braces. What
    ``serialize._row`` shows, made from ``shapes.CASE_ROW`` and ``shapes.ASSIGNMENT_REF``."""
    return (
        "SELECT r.id AS case_id, r.status, substr(r.j, 2, length(r.j) - 2) AS members "  # noqa: S608 - names from the models
        f"FROM (SELECT {_col(Case, 'c', 'id')} AS id, {_col(Case, 'c', 'status')} AS status, {_row_object()} AS j "
        f"FROM {_row_sources()} WHERE {where}) r"
    )


@cache
def _row_object() -> str:
    a, o, p, t = "a", "o", "p", "t"
    ref = (
        "json_build_object("
        + ", ".join(
            f"'{key}', " + (_col(Organization, o, path.split("__")[1]) if "__" in path else _col(Assignment, a, path))
            for key, path in ASSIGNMENT_REF.items()
        )
        + ")"
    )
    assignments = (
        f"COALESCE((SELECT json_agg({ref} ORDER BY {_col(Assignment, a, 'id')}) FROM {_table(Assignment)} {a} "  # noqa: S608 - names from the models
        f"JOIN {_table(Organization)} {o} ON {_col(Organization, o, 'id')} = {_col(Assignment, a, 'organization')} "
        f"WHERE {_col(Assignment, a, 'case')} = {_col(Case, 'c', 'id')} AND {_col(Assignment, a, 'is_active')}), "
        "'[]'::json)"
    )
    topic_id = _col(Topic, t, "id")
    fields = []
    for key, path in CASE_ROW.items():
        if key in ("topic_id", "topic_name"):
            continue  # shown as "topic" below
        if key in AT_READ:
            continue
        relation, _, name = path.rpartition("__")
        model, alias = _ALIASES[relation]
        fields.append(f"'{key}', {_value(model, alias, name)}")
    text = _col(Post, p, "text")
    row = ", ".join(
        [
            *fields,
            # Counting characters is the costly part of LEFT(); a text of at most LIST_TEXT
            # bytes has at most LIST_TEXT characters, and its length in bytes is known.
            f"'text', CASE WHEN octet_length({text}) <= {LIST_TEXT} THEN {text} "
            f"ELSE COALESCE(LEFT({text}, {LIST_TEXT}), '') END",
            f"'topic', CASE WHEN {topic_id} IS NULL THEN NULL "
            f"ELSE json_build_object('id', {topic_id}, 'name', {_col(Topic, t, 'name')}) END",
            f"'assignments', {assignments}",
        ]
    )
    return f"json_build_object({row})::text"


def _page_sql(rows: str) -> str:
    """A page: the ORM's ``{page}`` query (id, deadline), its stored (or, ``rows`` given as a
    subquery, freshly rendered) rows with the status label added, and what the cursor needs."""
    due = _ts("n.due")
    return (
        # The page's own parameters first, then the labels (a JSON object by status), then the
        # limit thrice. The label is looked up in the parameter, which is read once per query.
        "WITH s(id, due) AS ({page}), "  # noqa: S608 - names from the models
        "n AS (SELECT s.id, s.due, row_number() OVER (ORDER BY {order}) AS rn FROM s) "
        "SELECT string_agg('{' || r.members || ', \"status_label\" : ' "
        f"|| COALESCE(to_json(%s::jsonb ->> r.status)::text, 'null') || ', \"next_due_at\" : ' || COALESCE('\"' || {due} || '\"', 'null') "
        "|| '}', ',' ORDER BY n.rn) "
        "FILTER (WHERE n.rn <= %s), count(*), count(*) FILTER (WHERE r.case_id IS NULL), "
        f"max(n.id) FILTER (WHERE n.rn = %s), max({due}) FILTER (WHERE n.rn = %s) "
        f"FROM n LEFT JOIN {rows} r ON r.case_id = n.id"
    )


@cache
def _stored_page_sql() -> str:
    return _page_sql(_q(CaseListRow._meta.db_table))


@cache
def _live_page_sql() -> str:
    fresh = rendered_rows(f"{_col(Case, 'c', 'id')} IN (SELECT id FROM s)")  # noqa: S608 - names from the models
    return _page_sql(f"({fresh})")


# The order of a page over the columns the page query returns (a subquery's order is not kept
# by a join, so it is said again), for each page order of ``_page``.
ORDERS = {"deadline": "s.due ASC NULLS LAST, s.id DESC", "-created": "s.id DESC"}


class ListPage(NamedTuple):
    """A page of the case list: ``items``, the rows' JSON objects joined by commas (the
    array's inside); ``found``, the rows found (up to the limit asked, plus one); ``last_id``
    and ``last_due`` (ISO 8601, or None): the row at the limit, for the next page's cursor
    (both None when the page is not full)."""

    items: bytes
    found: int
    last_id: int | None
    last_due: str | None


class _Cursor(psycopg.Cursor):
    """A psycopg cursor binding on the server, with a per-cursor choice to prepare."""

    prepare: bool = False

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("prepare", self.prepare)
        return super().execute(query, params, **kwargs)


class _DebugCursor(CursorDebugWrapper):
    """Logs the statement as written: Django reads the executed text back from psycopg's
    client-side binding, which a server-bound (prepared) statement does not have."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def fetch(using: str, sql: str, params: Any, *, prepare: bool = False) -> list[tuple[Any, ...]]:
    """Run ``sql`` and return its rows, through Django's cursor wrapper (so the query is logged
    and counted like any other).

    ``prepare``: on PostgreSQL, a statement whose best plan does not depend on its parameters
    (a lookup by key, a page read from an index in order) is prepared on the connection and
    planned once (with ``DB_PREPARED_STATEMENTS``, the default: the connection keeps generic
    plans for prepared statements). Planning these statements cost as much as running them.
    Django's own queries bind on the client and are never prepared.
    """
    return fetch_many(using, [(sql, params, prepare)])[0]


def fetch_many(using: str, statements: list[tuple[str, Any, bool]]) -> list[list[tuple[Any, ...]]]:
    """Run ``(sql, params, prepare)`` statements (see :func:`fetch`) and return the rows of each.
    On PostgreSQL several statements go in one round trip (psycopg's pipeline mode)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        out = []
        for sql, params, _ in statements:
            with connection.cursor() as plain:
                plain.execute(sql, params)
                out.append(plain.fetchall())
        return out
    connection.ensure_connection()
    raws = []

    def run(sql: str, params: Any, prepare: bool) -> None:
        raw = _Cursor(connection.connection)
        raw.prepare = prepare
        cursor = _DebugCursor(raw, connection) if connection.queries_logged else CursorWrapper(raw, connection)
        cursor.execute(sql, params)
        raws.append(raw)

    if len(statements) == 1:
        run(*statements[0])
    else:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for statement in statements:
                run(*statement)
    try:
        return [raw.fetchall() for raw in raws]
    finally:
        for raw in raws:
            raw.close()


def page_query(page: QuerySet[Any]) -> tuple[str, list[Any]] | None:
    """The SQL and parameters of ``page`` — an ordered, sliced ``values_list("pk", <deadline>)``
    queryset; None when it can find nothing (e.g. for someone who sees no case)."""
    try:
        sql, params = page.query.get_compiler(using=page.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def list_page_sql(
    inner: str,
    params: list[Any],
    order: str,
    labels_json: str,
    limit: int,
    *,
    using: str = "default",
    prepare: bool = False,
) -> ListPage:
    """The page whose cases ``inner`` selects (id, deadline; at most ``limit + 1``), in one query
    (``prepare``: see :func:`fetch`; for pages whose filters do not change the best plan).

    Rows come from ``api_caselistrow``. A case without a stored row (which the triggers do not
    leave) is not left out: the page is rendered afresh and the gap is logged.
    """
    args = [*params, labels_json, limit, limit, limit]
    sql = _stored_page_sql().replace("{page}", inner).replace("{order}", ORDERS[order])
    ((items, found, missing, last_id, last_due),) = fetch(using, sql, args, prepare=prepare)
    if missing:
        logger.warning("api_caselistrow: %s of %s cases of a page had no stored row; rendered afresh", missing, found)
        sql = _live_page_sql().replace("{page}", inner).replace("{order}", ORDERS[order])
        ((items, found, _, last_id, last_due),) = fetch(using, sql, args)
    return ListPage((items or "").encode(), found, last_id, last_due)


# ---- the case detail's collections --------------------------------------------------------


def _is_violation(alias: str) -> str:
    """``Deadline.is_violation`` (a property) in SQL; the tests compare the two."""
    col = lambda name: _col(Deadline, alias, name)  # noqa: E731
    not_counted = ", ".join(f"'{o.value}'" for o in (Deadline.Outcome.CANCELLED, Deadline.Outcome.LAPSED))
    return (
        f"CASE WHEN {col('outcome')} IN ({not_counted}) THEN false "
        f"WHEN {col('closed_at')} IS NOT NULL THEN {col('closed_at')} > {col('due_at')} "
        f"ELSE {col('breached_at')} IS NOT NULL END"
    )


def _event_data(alias: str) -> str:
    """An event's data: an object as stored, anything else as {"value": …} (as serialize does)."""
    data = _col(CaseEvent, alias, "data")
    return f"CASE WHEN jsonb_typeof({data}) = 'object' THEN {data} ELSE jsonb_build_object('value', {data}) END"


# What each collection's row shows beside its table in shapes.py (serialize._EXTRA in Python).
_EXTRA = {"deadlines": {"is_violation": _is_violation}, "events": {"data": _event_data}}


@cache
def _detail_sql() -> str:
    parts = []
    for i, (key, (related, spec, order)) in enumerate(COLLECTIONS.items()):
        model: Any = Case._meta.get_field(related).related_model
        alias = f"r{i}"
        extra = {name: sql(alias) for name, sql in _EXTRA.get(key, {}).items()}
        obj = _object(model, alias, spec, **extra)
        where = f"{_col(model, alias, 'case')} = %(case)s"
        parts.append(f"'{key}', {_array(model, alias, obj, where, order)}")
    statuses = (
        f"ARRAY(SELECT {_col(Publication, 'u', 'status')} FROM {_table(Publication)} u "  # noqa: S608 - names from the models
        f"WHERE {_col(Publication, 'u', 'case')} = %(case)s ORDER BY {_col(Publication, 'u', 'id')})"
    )
    return f"SELECT json_build_object({', '.join(parts)})::text, {statuses}"


def detail_statement(case_id: int) -> tuple[str, Any, bool]:
    """The statement (for :func:`fetch_many`) of a case's thread, drafts, publications,
    deadlines and events as one JSON object, and the statuses of its publications (for the
    actions on offer); read its rows with :func:`detail_from_rows`."""
    return _detail_sql(), {"case": case_id}, True


def detail_from_rows(rows: list[tuple[Any, ...]]) -> tuple[bytes, list[str]]:
    ((text, statuses),) = rows
    return text.encode(), list(statuses)
