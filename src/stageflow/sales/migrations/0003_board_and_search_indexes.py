"""Indexes for the board, follow-ons and title search at 100,000 records.

- A board column (one stage of a pipeline, newest change first) and the column heads (count
  and value per stage and currency) get indexes of their own; they start with pipeline and
  stage, so the plain (pipeline, stage) indexes go.
- Follow-ons: a partial index on parent, holding only the opportunities that have one.
- Title search: on SQLite a trigram FTS5 table per record table kept current by triggers (the
  update trigger fires only when the title changes, so moves through a pipeline do not touch
  it); on PostgreSQL a trigram GIN index on UPPER(title), which serves `icontains`.

The SQL is spelled out here, not imported, so that this migration stays what it was.
"""

from django.db import migrations, models

TABLES = ("sales_lead", "sales_opportunity")


def _index(table):
    return f"{table}_search"


def sqlite_create_sql(table):
    index = _index(table)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5(title, content='{table}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {index}(rowid, title) VALUES (new.id, new.title); END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {index}({index}, rowid, title) VALUES ('delete', old.id, old.title); END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_au AFTER UPDATE OF title ON {table} "
        f"WHEN old.title IS NOT new.title BEGIN "
        f"INSERT INTO {index}({index}, rowid, title) VALUES ('delete', old.id, old.title); "
        f"INSERT INTO {index}(rowid, title) VALUES (new.id, new.title); END",
        f"INSERT INTO {index}({index}) VALUES ('rebuild')",
    ]


def sqlite_drop_sql(table):
    index = _index(table)
    return [f"DROP TRIGGER IF EXISTS {index}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {index}"]


def postgres_create_sql(table):
    return [f"CREATE INDEX IF NOT EXISTS {table}_title_trgm ON {table} "
            f"USING gin (UPPER(title) gin_trgm_ops)"]


def postgres_drop_sql(table):
    return [f"DROP INDEX IF EXISTS {table}_title_trgm"]


def _has_trigram_extension(schema_editor):
    """Whether pg_trgm is installed, installing it when the server offers it (as accounts 0005
    does; without it `icontains` still works, only slower)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is not None:
            return True
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return False
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    return True


def create_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [s for table in TABLES for s in sqlite_create_sql(table)]
    elif vendor == "postgresql" and _has_trigram_extension(schema_editor):
        statements = [s for table in TABLES for s in postgres_create_sql(table)]
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


def drop_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [s for table in TABLES for s in sqlite_drop_sql(table)]
    elif vendor == "postgresql":
        statements = [s for table in TABLES for s in postgres_drop_sql(table)]
    else:
        statements = []
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_search_phones"),  # pg_trgm, and the account and contact search
        ("sales", "0002_automation_support"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="lead", name="sales_lead_pipelin_e7163f_idx"),
        migrations.RemoveIndex(model_name="opportunity", name="sales_oppor_pipelin_fe3bd8_idx"),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["pipeline", "stage", "updated_at"],
                               name="sales_lead_board_column"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["pipeline", "stage", "updated_at"],
                               name="sales_opp_board_column"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["pipeline", "stage", "currency", "value", "owner",
                                       "office"], name="sales_opp_board_heads"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(condition=models.Q(parent__isnull=False), fields=["parent"],
                               name="sales_opp_follow_ons"),
        ),
        migrations.RunPython(create_search, drop_search),
    ]
