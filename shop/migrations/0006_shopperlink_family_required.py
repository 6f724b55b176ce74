"""Shopper links must have their list's family (PostgreSQL composite foreign key)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_shopperlink_family")]

    operations = [
        migrations.AlterField(
            model_name="shopperlink",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_foreign_keys(
            shopperlink_family_is_lists=("shop.ShopperLink", "grocery_list"),
        ),
    ]
