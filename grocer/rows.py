"""Model instances to plain JSON data and back, for values kept in the cache.

The cache stores JSON, not pickles (`grocer.cache.JSONSerializer`): a pickle from Redis
runs code when loaded, so anyone who can write to the cache instance could run code in
every web process; and a pickled instance breaks, or silently loads wrong, when the model
changes between deploys. A row is its concrete field values (`attname → value`) and the
related rows that were loaded with it (select_related), rebuilt with `Model.from_db` as if
read from the database. Only the fields asked for are kept; the others load deferred.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


def _plain(value: Any) -> Any:
    # Full precision (DjangoJSONEncoder would cut datetimes to milliseconds).
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def row_dump(
    instance: models.Model,
    *,
    fields: Iterable[str] | None = None,
    related: Mapping[str, Iterable[str] | None] | None = None,
) -> dict[str, Any]:
    """`instance` as JSON data: its `fields` (all concrete ones when None) and, for each
    name in `related`, the related row already loaded on it (or None), with those fields.

    Precondition: every relation in `related` was loaded (select_related); dumping
    never queries.
    """
    meta = instance._meta
    wanted = None if fields is None else set(fields)
    data: dict[str, Any] = {
        "db": instance._state.db,
        "fields": {
            field.attname: _plain(field.value_from_object(instance))
            for field in meta.concrete_fields
            if wanted is None or field.name in wanted or field.primary_key
        },
    }
    for name, related_fields in (related or {}).items():
        other = meta.get_field(name).get_cached_value(instance)
        data[name] = None if other is None else row_dump(other, fields=related_fields)
    return data


# Python types JSON gives back exactly as `to_python` would return them: a value of
# this type is kept as is (a list page loads ~15 fields of 1,000 items per request).
_JSON_NATIVE = {
    "AutoField": int,
    "BigAutoField": int,
    "BigIntegerField": int,
    "BooleanField": bool,
    "CharField": str,
    "EmailField": str,
    "IntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveSmallIntegerField": int,
    "SlugField": str,
    "SmallIntegerField": int,
    "TextField": str,
}


def _uuid(value: Any, to_python) -> Any:
    return uuid.UUID(value) if type(value) is str else to_python(value)


@functools.cache
def _loaders(model: type[models.Model]) -> tuple[tuple[str, Any, Any], ...]:
    """(attname, type kept as is or None, converter) per concrete field of `model`."""
    loaders = []
    for field in model._meta.concrete_fields:
        target = field.target_field if field.is_relation else field
        kind = target.get_internal_type()
        if kind == "UUIDField":
            convert = functools.partial(_uuid, to_python=field.to_python)
            loaders.append((field.attname, None, convert))
        else:
            loaders.append((field.attname, _JSON_NATIVE.get(kind), field.to_python))
    return tuple(loaders)


@functools.cache
def _plain_init(model: type[models.Model]) -> bool:
    """Whether `Model.from_db` on `model` only stores the values in the instance's
    `__dict__`: Django's own `__init__` and `from_db`, and each field's attribute a
    plain deferred-loading descriptor (whose `__set__`, for a foreign key's id, only
    drops a cached related row a new instance does not have)."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__
        and all(
            type(model.__dict__.get(field.attname))
            in (DeferredAttribute, ForeignKeyDeferredAttribute)
            for field in model._meta.concrete_fields
        )
    )


def _from_db(model: type[models.Model], db: str | None, names: list[str], values: list) -> Any:
    """`model.from_db(db, names, values)`, without `Model.__init__`'s per-field setattr
    when it would do nothing else (no init signal receivers): about half of rebuilding
    a list page's cached items."""
    if not _plain_init(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(db, names, values)
    instance = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = db
    instance._state = state
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


def row_load(model: type[models.Model], data: Mapping[str, Any]) -> models.Model:
    """The instance `row_dump` described, its related rows attached as select_related
    would attach them."""
    meta = model._meta
    fields = data["fields"]
    names, values = [], []
    for attname, native, convert in _loaders(model):
        if attname in fields:
            value = fields[attname]
            names.append(attname)
            if value is None or type(value) is native:
                values.append(value)
            else:
                values.append(convert(value))
    instance = _from_db(model, data.get("db"), names, values)
    for name, related in data.items():
        if name in ("db", "fields"):
            continue
        field = meta.get_field(name)
        other = None if related is None else row_load(field.related_model, related)
        field.set_cached_value(instance, other)
    return instance
