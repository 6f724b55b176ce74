"""Order lines must have their order's family, and an order its list's (PostgreSQL
composite foreign keys, as for items in lists 0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0010_item_event_family_required"),
        ("orders", "0005_orderline_family"),
    ]

    operations = [
        migrations.AlterField(
            model_name="orderline",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="order_id_family_unique"
            ),
        ),
        family_foreign_keys(
            orderline_family_is_orders=("orders.OrderLine", "order"),
            order_family_is_lists=("orders.Order", "grocery_list"),
        ),
    ]
