"""Notification preferences carry their family (the tenant), filled from their
membership. Nullable here; 0007 makes it required and ties it to the membership's family
(see lists 0009/0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_backfill


class Migration(migrations.Migration):
    dependencies = [("families", "0005_language")]

    operations = [
        migrations.AddField(
            model_name="notificationpreference",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_backfill(**{"families.NotificationPreference": "membership"}),
    ]
