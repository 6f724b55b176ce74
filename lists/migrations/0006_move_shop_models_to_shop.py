"""Store, StoreTrip, ShoppingChoice and ShopperLink moved to the shop app.

State only: the tables stay as they are here and shop 0001 takes them over (renaming
them), so no row is lost either way.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0005_applied_change"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ShopperLink"),
                migrations.DeleteModel(name="StoreTrip"),
                migrations.DeleteModel(name="ShoppingChoice"),
                migrations.DeleteModel(name="Store"),
            ],
            database_operations=[],
        ),
    ]
