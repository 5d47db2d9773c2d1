"""Trigram search indexes: FTS5 tables with triggers on SQLite, GIN indexes on PostgreSQL."""

from django.db import migrations

from stageflow.accounts.search import SEARCHED, postgres_search_sql, sqlite_drop_sql, sqlite_search_sql


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in SEARCHED:
            for statement in sqlite_search_sql(table):
                schema_editor.execute(statement)
    elif vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            if cursor.fetchone() is None:
                return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in SEARCHED:
            for statement in postgres_search_sql(table):
                schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for table in SEARCHED:
            for statement in sqlite_drop_sql(table):
                schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_phone_alt_index")]
    operations = [migrations.RunPython(create, drop)]
