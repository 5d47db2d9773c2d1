# ruff: noqa: S608 - table and column names come from SEARCHED below; user text is a parameter.
"""Fast "contains" search over account and contact names, emails and cities.

On SQLite a trigram full-text index (FTS5), kept current by triggers, answers
`name contains "plumb"` without reading every row; on PostgreSQL trigram GIN indexes do the same
for the ordinary `icontains` filters. Other databases fall back to plain `icontains`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

# table -> (search index name, indexed columns)
SEARCHED: dict[str, tuple[str, tuple[str, ...]]] = {
    "accounts_account": ("accounts_account_search",
                         ("name", "email", "billing_city", "phone", "phone_alt")),
    "accounts_contact": ("accounts_contact_search",
                         ("first_name", "last_name", "email", "email_alt", "phone", "mobile")),
}
TRIGRAM = 3


def sqlite_search_sql(table: str) -> list[str]:
    """The statements creating the trigram index of `table` and the triggers keeping it."""
    index, columns = SEARCHED[table]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {index}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {index}({index}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_au AFTER UPDATE ON {table} BEGIN "
        f"INSERT INTO {index}({index}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {index}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {index}({index}) VALUES ('rebuild')",
    ]


def sqlite_drop_sql(table: str) -> list[str]:
    index, _columns = SEARCHED[table]
    return [f"DROP TRIGGER IF EXISTS {index}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {index}"]


def postgres_search_sql(table: str) -> list[str]:
    _index, columns = SEARCHED[table]
    return [f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} "
            f"USING gin (UPPER({column}) gin_trgm_ops)" for column in columns]


def text_condition(table: str, fields: Iterable[str], text: str) -> Q:
    """Records where any of `fields` (indexed columns of `table`) contains `text`, ignoring
    case."""
    fields = tuple(fields)
    plain = Q()
    for field in fields:
        plain |= Q(**{f"{field}__icontains": text})
    if connection.vendor != "sqlite" or len(text) < TRIGRAM:
        return plain
    index, _columns = SEARCHED[table]
    # An FTS5 column filter, so that a name search never matches inside phone numbers.
    phrase = "{" + " ".join(fields) + '} : "' + text.replace('"', '""') + '"'
    matches = RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", [phrase])  # noqa: S611 (parameterised)
    return Q(id__in=matches)
