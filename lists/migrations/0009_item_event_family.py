"""Items and events carry their family (the tenant, the future shard key), filled from
their list. Nullable here; 0010 makes it required and ties it to the list's family.

Two migrations, two transactions: on PostgreSQL the backfill's deferred foreign-key checks
would otherwise still be pending when 0010 alters the table.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    GroceryList = apps.get_model("lists", "GroceryList")
    list_family = GroceryList._base_manager.filter(pk=OuterRef("grocery_list_id")).values(
        "family_id"
    )[:1]
    for label in ("lists.ListItem", "lists.ListEvent"):
        model = apps.get_model(label)
        # One UPDATE per table: fine at today's sizes; at millions of rows run it in
        # batches of ids before deploying (docs/scaling.md).
        model._base_manager.filter(family__isnull=True).update(family_id=Subquery(list_family))


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0004_drop_covered_indexes"),
        ("lists", "0008_drop_covered_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="listitem",
            name="family",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddField(
            model_name="listevent",
            name="family",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        # Backwards there is nothing to undo: removing the column drops the values.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
