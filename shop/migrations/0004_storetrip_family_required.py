"""Store trips must have a family, their store's and their list's (PostgreSQL composite
foreign keys, as for items in lists 0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0010_item_event_family_required"),
        ("shop", "0003_storetrip_family"),
    ]

    operations = [
        migrations.AlterField(
            model_name="storetrip",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddConstraint(
            model_name="store",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="store_id_family_unique"
            ),
        ),
        family_foreign_keys(
            storetrip_family_is_stores=("shop.StoreTrip", "store"),
            storetrip_family_is_lists=("shop.StoreTrip", "grocery_list"),
        ),
    ]
