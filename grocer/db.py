"""Migration helpers for database features the ORM does not model."""

from __future__ import annotations

from django.db import migrations

_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION grocer_touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = clock_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _run_on_postgres(sql_for):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in sql_for(apps, schema_editor):
                schema_editor.execute(statement)

    return run


def updated_at_trigger(*model_labels: str) -> migrations.RunPython:
    """Keep `updated_at` current on PostgreSQL for every UPDATE, bulk ones included.

    A no-op elsewhere (the embedded SQLite default relies on `auto_now`).
    """

    def create(apps, schema_editor):
        yield _FUNCTION_SQL
        for label in model_labels:
            table = apps.get_model(label)._meta.db_table
            yield f'DROP TRIGGER IF EXISTS "{table}_touch_updated_at" ON "{table}"'
            yield (
                f'CREATE TRIGGER "{table}_touch_updated_at" BEFORE UPDATE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION grocer_touch_updated_at()"
            )

    def drop(apps, schema_editor):
        for label in model_labels:
            table = apps.get_model(label)._meta.db_table
            yield f'DROP TRIGGER IF EXISTS "{table}_touch_updated_at" ON "{table}"'

    return migrations.RunPython(_run_on_postgres(create), _run_on_postgres(drop))
