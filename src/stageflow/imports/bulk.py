"""Writing many rows fast, for imports.

Django's `bulk_create` builds a model instance per row and compiles every value into its
statement one by one, which costs several times what checking the rows did. An import writes
plain rows instead: records with a multi-row INSERT … RETURNING for their ids, and history
entries, stage changes and undo records (whose ids it never needs) with `executemany`. Values
pass through each field's own preparation unless they already are what the database stores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connections, models, router

# Values of these fields go to the database as they are.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField,
          models.ForeignKey)


def _preparer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any] | None:
    """How a value of the field is prepared; None when it goes as it is (callers give text,
    numbers and ids of these fields as str, int, bool or None)."""
    prepare = field.get_db_prep_save
    if isinstance(field, _PLAIN):
        return None
    if isinstance(field, models.JSONField):
        empty = prepare({}, connection)
        return lambda value: empty if value == {} else prepare(value, connection)
    if isinstance(field, models.DateField):
        # Imported rows share few distinct dates (the import's own time, a migrated day), and
        # adapting a timezone-aware datetime is the dearest preparation of all.
        known: dict[Any, Any] = {}

        def date_value(value: Any) -> Any:
            if value not in known:
                known[value] = prepare(value, connection)
            return known[value]

        return date_value
    return lambda value: prepare(value, connection)


class _Insert:
    """The INSERT of one model's rows given as {attname: value}; a missing field takes its
    default (an auto-now date is the caller's to give)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.connection = connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        pk = model._meta.pk
        assert pk is not None
        # Table and column names come from the model, quoted; values are always parameters.
        self.head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
            quote(model._meta.db_table), ", ".join(quote(str(field.column)) for field in fields))
        self.row_marks = "({})".format(", ".join(["%s"] * len(fields)))
        self.returning = f" RETURNING {quote(str(pk.column))}"
        self.width = len(fields)
        self.columns = [(field.attname, field.get_default()) for field in fields]
        self.prepared = [(index, prepare) for index, prepare in enumerate(
            _preparer(field, connection) for field in fields) if prepare is not None]

    def values(self, row: Mapping[str, Any]) -> list[Any]:
        values = [row.get(name, default) for name, default in self.columns]
        for index, prepare in self.prepared:
            values[index] = prepare(values[index])
        return values


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the rows without reading back their ids."""
    if not rows:
        return
    insert = _Insert(model)
    with insert.connection.cursor() as cursor:
        cursor.executemany(insert.head + insert.row_marks, [insert.values(row) for row in rows])


def insert_returning_ids(model: type[models.Model], rows: Sequence[Mapping[str, Any]],
                         ) -> list[int]:
    """Insert the rows and return their new ids in the same order (as `bulk_create` relies
    on the database to do)."""
    if not rows:
        return []
    insert = _Insert(model)
    limit = insert.connection.features.max_query_params or 60_000
    per_statement = max(1, min(1000, limit // insert.width))
    ids: list[int] = []
    with insert.connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            sql = insert.head + ", ".join([insert.row_marks] * len(batch)) + insert.returning
            cursor.execute(sql, [value for row in batch for value in insert.values(row)])
            ids += [row[0] for row in cursor.fetchall()]
    return ids
