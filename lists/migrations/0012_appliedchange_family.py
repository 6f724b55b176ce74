"""Applied changes carry their family (the tenant), filled from their list. Nullable here;
0013 makes it required and ties it to the list's family (see 0009/0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_backfill


class Migration(migrations.Migration):
    dependencies = [("lists", "0011_item_sets_staple_pins")]

    operations = [
        migrations.AddField(
            model_name="appliedchange",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_backfill(**{"lists.AppliedChange": "grocery_list"}),
    ]
