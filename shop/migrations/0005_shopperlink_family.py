"""Shopper links carry their family (the tenant), filled from their list. Nullable here;
0006 makes it required and ties it to the list's family (see lists 0009/0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_backfill


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_storetrip_family_required")]

    operations = [
        migrations.AddField(
            model_name="shopperlink",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_backfill(**{"shop.ShopperLink": "grocery_list"}),
    ]
