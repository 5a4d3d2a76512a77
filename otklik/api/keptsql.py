"""The SQL of an ORM query, built once per process for the same inputs and then reused.

Building and compiling a queryset (visibility, filters, order, cursor) can cost the ORM more
than the database spends running it. When the SQL depends only on inputs a caller can name
(a key) and the values that change between calls (the time, a cursor's position) end up as
parameters, the query is built once with marker values in their place and each later call
sends the same SQL with those parameters replaced. The markers are found by building twice,
with two different sets: a parameter is a slot when it is a marker in the first build and the
same marker of the second set in the other (so a value of the caller's that happens to equal
a marker stays a value). If anything else differs between the two builds — the SQL text, the
number of parameters, another parameter — the query is not kept and is built on every call.
Only for databases whose driver gets the values as the ORM gives them (PostgreSQL).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

Query = tuple[str, list[Any]]
Build = Callable[[dict[str, Any]], Query | None]

_UNKEPT = object()  # the query cannot be kept: built on every call


class KeptQueries:
    """Queries kept by key; ``markers``: two sets of values by name (each value of its slot's type,
    never a value a real call passes); ``size``: the keys kept, the least recently used out."""

    def __init__(self, markers: tuple[dict[str, Any], dict[str, Any]], size: int = 1024) -> None:
        self.markers, self.size = markers, size
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def query(self, key: Hashable, build: Build, values: dict[str, Any]) -> Query | None:
        """``build(values)`` — SQL and parameters, or None when the query would find nothing —
        built with the markers the first time ``key`` is asked for, then only filled in."""
        with self._lock:
            kept = self._kept.get(key, self)
            if kept is not self:
                self._kept.move_to_end(key)
        if kept is self:  # not asked for yet
            kept = self._keep(build)
            with self._lock:
                self._kept[key] = kept
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        if kept is _UNKEPT:
            return build(values)
        if kept is None:
            return None
        sql, params, slots = kept
        filled = list(params)
        for i, name in slots:
            filled[i] = values[name]
        return sql, filled

    def _keep(self, build: Build) -> Any:
        first, second = (build(markers) for markers in self.markers)
        if first is None or second is None:
            return None if first is second else _UNKEPT
        if first[0] != second[0] or len(first[1]) != len(second[1]):
            return _UNKEPT
        slots = []
        for i, (a, b) in enumerate(zip(first[1], second[1], strict=True)):
            if _same(a, b):
                continue
            name = next((n for n, m in self.markers[0].items() if _same(a, m) and _same(b, self.markers[1][n])), None)
            if name is None:
                return _UNKEPT  # something else differs between the two builds: not safe to keep
            slots.append((i, name))
        return first[0], list(first[1]), slots

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b
