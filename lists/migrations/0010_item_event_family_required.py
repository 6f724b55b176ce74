"""Items and events must have a family, and on PostgreSQL it must be their list's.

The composite foreign keys `(grocery_list_id, family_id) → lists_grocerylist (id, family_id)`
make a row whose family differs from its list's impossible, whatever writes it (a bulk
insert, a script, raw SQL). They are deferred like Django's own foreign keys, and carry no
ON UPDATE action: a list never moves to another family, and Citus refuses cascades on the
distribution column (docs/scaling.md). SQLite, the no-services default, relies on the
services setting the field from the list.

The suggestions index `(family_id, lower(name) text_pattern_ops)` also serves the family
foreign key (family deletes); SQLite gets the same columns without the operator class.
"""

import django.db.models.deletion
from django.db import migrations, models

COMPOSITE_KEYS = {
    "lists_listitem": "listitem_family_is_lists",
    "lists_listevent": "listevent_family_is_lists",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, name in COMPOSITE_KEYS.items():
            schema_editor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" '
                'FOREIGN KEY ("grocery_list_id", "family_id") '
                'REFERENCES "lists_grocerylist" ("id", "family_id") '
                "DEFERRABLE INITIALLY DEFERRED"
            )
        schema_editor.execute(
            'CREATE INDEX "item_family_name_idx" ON "lists_listitem" '
            '("family_id", lower("name") text_pattern_ops)'
        )
    else:
        schema_editor.execute(
            'CREATE INDEX "item_family_name_idx" ON "lists_listitem" ("family_id", lower("name"))'
        )


def drop_constraints(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "item_family_name_idx"')
    if schema_editor.connection.vendor == "postgresql":
        for table, name in COMPOSITE_KEYS.items():
            schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("lists", "0009_item_event_family")]

    operations = [
        migrations.AlterField(
            model_name="listitem",
            name="family",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AlterField(
            model_name="listevent",
            name="family",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddConstraint(
            model_name="grocerylist",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="list_id_family_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="listevent",
            index=models.Index(fields=["family", "created_at"], name="event_family_created_idx"),
        ),
        migrations.RunPython(add_constraints, drop_constraints, elidable=False),
    ]
