"""Model instances loaded by a statement written once, for the reads every API call makes.

The ORM compiles a queryset into SQL on every call; for a lookup by key with a few joined
relations that cost more than running it (a token check, a case with its post). A
:class:`Loader` writes the statement once per model and shape, runs it as a prepared
statement (``pgjson.fetch``), passes the values through the converters the ORM itself would
apply, and builds the ORM's own instances (``Model.from_db``, related objects cached as
``select_related`` would), so the code that uses them cannot tell the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import Model

from otklik.api.pgjson import fetch_many


@dataclass
class _Part:
    model: Any
    alias: str
    attnames: list[str]
    relation: str | None = None  # the foreign key on the main model that leads here


# (column index in the row, the converters the ORM applies to that column's values)
Converters = list[tuple[int, list[Any]]]


class Loader:
    """``SELECT`` of ``model`` joined with the targets of ``relations`` (foreign keys of
    ``model``; LEFT JOIN when nullable), filtered by ``key = %s`` and ordered by ``order``.
    ``defer``: ``"relation.field"`` or ``"field"`` names left out (loaded on access, as with
    ``QuerySet.defer``)."""

    def __init__(
        self,
        model: type[Model],
        relations: tuple[str, ...] = (),
        *,
        key: str = "pk",
        order: tuple[str, ...] = (),
        defer: tuple[str, ...] = (),
    ) -> None:
        self.model, self.relations, self.key, self.order, self.defer = model, relations, key, order, defer

    @cache  # noqa: B019 - loaders are module constants, one statement per database alias
    def _plan(self, using: str) -> tuple[str, list[_Part], Converters]:
        connection = connections[using]
        qn = connection.ops.quote_name
        parts = [self._part(self.model, "t0", None)]
        joins = []
        meta: Any = self.model._meta
        for i, name in enumerate(self.relations, start=1):
            fk: Any = meta.get_field(name)
            target = fk.related_model
            part = self._part(target, f"t{i}", name)
            parts.append(part)
            kind = "LEFT JOIN" if fk.null else "JOIN"
            joins.append(
                f"{kind} {qn(target._meta.db_table)} t{i} ON t{i}.{qn(target._meta.pk.column)} = t0.{qn(fk.column)}"
            )
        columns = []
        converters: Converters = []
        for part in parts:
            for attname in part.attnames:
                f = part.model._meta.get_field(attname)
                columns.append(f"{part.alias}.{qn(f.column)}")
                col = f.get_col(part.alias)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((len(columns) - 1, found))
        key: Any = meta.get_field(self.key) if self.key != "pk" else meta.pk
        sql = (
            f"SELECT {', '.join(columns)} FROM {qn(meta.db_table)} t0 {' '.join(joins)} "  # noqa: S608 - names from the models
            f"WHERE t0.{qn(key.column)} = %s"
        )
        if self.order:
            sql += " ORDER BY " + ", ".join(f"t0.{qn(meta.get_field(o).column)}" for o in self.order)
        return sql, parts, converters

    def _part(self, model: Any, alias: str, relation: str | None) -> _Part:
        prefix = f"{relation}." if relation else ""
        pk = model._meta.pk
        # The primary key first: a LEFT JOIN that found nothing is told by it being NULL.
        attnames = [pk.attname] + [
            f.attname for f in model._meta.concrete_fields if f is not pk and f"{prefix}{f.name}" not in self.defer
        ]
        return _Part(model, alias, attnames, relation)

    def all(self, value: Any, using: str = "default") -> list[Any]:
        return [self.build(values, using) for values in self.rows(value, using)]

    def rows(self, value: Any, using: str = "default") -> list[list[Any]]:
        """The matching rows' values, converted as the ORM converts them (for :meth:`build`;
        plain values that can be kept and built into fresh instances again)."""
        statement = self.statement(value, using)
        return self.convert(fetch_many(using, [statement])[0] if statement else [], using)

    def statement(self, value: Any, using: str = "default") -> tuple[str, list[Any], bool] | None:
        """``(sql, params, prepare)`` of :meth:`rows` (for ``pgjson.fetch_many``); None when no
        row can match."""
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return None  # no row has such a key (and no database column could hold it)
        return self._plan(using)[0], [value], True

    def convert(self, rows: list[tuple[Any, ...]], using: str = "default") -> list[list[Any]]:
        """Fetched rows as :meth:`rows` gives them."""
        _, _, converters = self._plan(using)
        connection = connections[using]
        out = []
        for row in rows:
            values = list(row)
            for i, column_converters in converters:
                for convert in column_converters:
                    values[i] = convert(values[i], None, connection)
            out.append(values)
        return out

    def build(self, values: list[Any], using: str = "default") -> Any:
        """A model instance (with its related instances) from one of :meth:`rows`."""
        _, parts, _ = self._plan(using)
        start = len(parts[0].attnames)
        main = self.model.from_db(using, parts[0].attnames, values[:start])
        for part in parts[1:]:
            chunk = values[start : start + len(part.attnames)]
            start += len(part.attnames)
            related = None if chunk[0] is None else part.model.from_db(using, part.attnames, chunk)
            setattr(main, part.relation, related)  # type: ignore[arg-type]
        return main

    def one(self, value: Any, using: str = "default") -> Any:
        found = self.all(value, using)
        return found[0] if found else None
