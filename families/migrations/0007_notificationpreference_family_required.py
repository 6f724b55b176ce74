"""Notification preferences must have their membership's family (PostgreSQL composite
foreign key)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [("families", "0006_notificationpreference_family")]

    operations = [
        migrations.AlterField(
            model_name="notificationpreference",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="membership_id_family_unique"
            ),
        ),
        family_foreign_keys(
            preference_family_is_memberships=("families.NotificationPreference", "membership"),
        ),
    ]
