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


def family_backfill(**parents: str) -> migrations.RunPython:
    """Fill a new, still nullable `family` of each model from its parent's family, e.g.
    `family_backfill(**{"orders.OrderLine": "order"})`. Backwards: nothing to undo (removing
    the column drops the values).

    One UPDATE per table: fine at today's sizes; on a large table fill it in batches of ids
    before deploying (docs/scaling.md).
    """
    from django.db.models import OuterRef, Subquery

    def fill(apps, schema_editor):
        for label, parent in parents.items():
            model = apps.get_model(label)
            parent_model = model._meta.get_field(parent).related_model
            family = parent_model._base_manager.filter(
                pk=OuterRef(model._meta.get_field(parent).attname)
            ).values("family_id")[:1]
            model._base_manager.filter(family__isnull=True).update(family_id=Subquery(family))

    return migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)


def family_foreign_keys(**keys: tuple[str, str]) -> migrations.RunPython:
    """On PostgreSQL, tie each row's family to its parent's: `name=("app.Model", "parent")`
    adds `FOREIGN KEY (parent_id, family_id) REFERENCES <parent table> (id, family_id)`,
    which needs a unique constraint on the parent's `(id, family)`.

    Deferred like Django's own keys; no ON UPDATE action (a row never changes family, and
    Citus refuses cascades on the distribution column). A no-op on SQLite.
    """

    def create(apps, schema_editor):
        for name, (label, parent) in keys.items():
            model = apps.get_model(label)
            field = model._meta.get_field(parent)
            yield (
                f'ALTER TABLE "{model._meta.db_table}" ADD CONSTRAINT "{name}" '
                f'FOREIGN KEY ("{field.column}", "family_id") '
                f'REFERENCES "{field.related_model._meta.db_table}" ("id", "family_id") '
                "DEFERRABLE INITIALLY DEFERRED"
            )

    def drop(apps, schema_editor):
        for name, (label, _parent) in keys.items():
            table = apps.get_model(label)._meta.db_table
            yield f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"'

    return migrations.RunPython(_run_on_postgres(create), _run_on_postgres(drop))
