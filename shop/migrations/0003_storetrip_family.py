"""Store trips carry their family (the tenant), filled from their store. Nullable here;
0004 makes it required and ties it to the store's and the list's family (two
transactions: see lists 0009)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_backfill


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0004_drop_covered_indexes"),
        ("shop", "0002_drop_covered_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="storetrip",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_backfill(**{"shop.StoreTrip": "store"}),
    ]
