"""A hot queryset compiled to SQL once per database, then run again with other ids.

Django builds and compiles a queryset's SQL on every evaluation: for the list access
check every list request makes (`lists.access.access_list`, a join with twelve annotated
columns) that was about 2 ms of CPU per request, ten times the statement's own time
(bench/README.md). `CompiledQuery` builds the queryset once with sentinel ids, keeps the
SQL, finds where the sentinels landed among its parameters, and then only swaps in the
real ids and turns the rows into instances as `ModelIterable` does. The queryset stays the
one definition of the query (scoping, soft delete), compiled by Django for each backend.

UUID arguments, and text arguments named in `text`; model instances or `values_list()`
tuples; no prefetching. Anything else, or a sentinel Django did not pass as a parameter
unchanged (a lookup that escapes its text, as `iexact` does on SQLite: the text sentinel
holds the characters LIKE escapes), runs the queryset as usual.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


@dataclass(frozen=True)
class _Compiled:
    query: Any  # the sql.Query, read-only from here on
    sql: str
    params: tuple
    # (index in params, argument name, how the database takes a UUID there)
    slots: tuple[tuple[int, str, Callable[[uuid.UUID], Any]], ...]
    select: Any
    klass_info: dict
    annotation_col_map: dict
    col_count: int
    has_extra_select: bool
    tuples: bool  # values_list() rows, not instances


def _same(value: uuid.UUID) -> uuid.UUID:
    return value


def _hex(value: uuid.UUID) -> str:
    return value.hex


def _text(value: uuid.UUID) -> str:
    return str(value)


_NOT_COMPILABLE = object()


class CompiledQuery:
    def __init__(
        self, model: type[Model], build: Callable[..., QuerySet], *, text: tuple[str, ...] = ()
    ) -> None:
        """`build(**args)` returns the queryset for those arguments: UUIDs by keyword, and
        strings for the names in `text`."""
        self.model = model
        self._build = build
        self._text = frozenset(text)
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def run(self, **args: Any) -> list:
        """The queryset's instances (or tuples) for these arguments.

        An id that is not a UUID raises ValueError.
        """
        values = {
            name: value
            if name in self._text or isinstance(value, uuid.UUID)
            else uuid.UUID(str(value))
            for name, value in args.items()
        }
        using = router.db_for_read(self.model)
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using)
                if compiled is None:
                    compiled = self._compile(using, sorted(values))
                    self._compiled[using] = compiled
        if compiled is _NOT_COMPILABLE:
            return list(self._build(**values).using(using))
        params = list(compiled.params)
        for index, name, form in compiled.slots:
            params[index] = form(values[name])
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.has_extra_select:  # extra columns past the selected ones are dropped
            rows = [row[: compiled.col_count] for row in rows]
        return _instances(compiled, connection, using, rows)

    def _compile(self, using: str, names: list[str]) -> _Compiled | object:
        sentinels: dict[str, Any] = {
            name: f"%_\\{uuid.uuid4().hex}" if name in self._text else uuid.uuid4()
            for name in names
        }
        queryset = self._build(**sentinels).using(using)
        if (
            queryset._iterable_class not in (ModelIterable, ValuesListIterable)
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            return _NOT_COMPILABLE
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for index, param in enumerate(params):
            for name, sentinel in sentinels.items():
                forms = (_same,) if name in self._text else (_same, _hex, _text)
                for form in forms:
                    if param == form(sentinel):
                        slots.append((index, name, form))
        placed = {name for _, name, _ in slots}
        in_text = any(
            str(s)[3:] in sql or (isinstance(s, uuid.UUID) and s.hex in sql)
            for s in sentinels.values()
        )
        if placed != set(sentinels) or in_text or not sql:
            return _NOT_COMPILABLE
        return _Compiled(
            query=queryset.query,
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            col_count=compiler.col_count,
            has_extra_select=compiler.has_extra_select,
            tuples=queryset._iterable_class is ValuesListIterable,
        )


def _instances(compiled: _Compiled, connection, using: str, rows: list) -> list:
    """What `ModelIterable` (less known related objects, never set here) or
    `ValuesListIterable` makes of the rows."""
    # A compiler of this thread's connection, told what compiling found: its converters
    # (SQLite's for UUIDs and datetimes) run with the right connection.
    compiler = compiled.query.get_compiler(using=using, connection=connection)
    compiler.select = compiled.select
    compiler.klass_info = compiled.klass_info
    compiler.annotation_col_map = compiled.annotation_col_map
    compiler.col_count = compiled.col_count
    compiler.has_extra_select = compiled.has_extra_select
    if compiled.tuples:
        return list(compiler.results_iter(results=[rows], tuple_expected=True))
    klass_info, select = compiled.klass_info, compiled.select
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, using)
    instances = []
    for row in compiler.results_iter(results=[rows]):
        instance = model_cls.from_db(using, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, instance)
        for attr_name, position in compiled.annotation_col_map.items():
            setattr(instance, attr_name, row[position])
        instances.append(instance)
    return instances
