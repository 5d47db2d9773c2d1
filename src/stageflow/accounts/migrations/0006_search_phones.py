"""Phone numbers join the trigram search indexes, so any run of digits is found quickly."""

from django.db import migrations

from stageflow.accounts.search import SEARCHED, postgres_search_sql, sqlite_drop_sql, sqlite_search_sql


def recreate(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in SEARCHED:
            for statement in [*sqlite_drop_sql(table), *sqlite_search_sql(table)]:
                schema_editor.execute(statement)
    elif vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone() is None:
                return
        for table in SEARCHED:
            for statement in postgres_search_sql(table):
                schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_search_indexes")]
    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]
