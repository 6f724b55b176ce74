"""Applied changes must have their list's family (PostgreSQL composite foreign key)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [("lists", "0012_appliedchange_family")]

    operations = [
        migrations.AlterField(
            model_name="appliedchange",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        family_foreign_keys(
            appliedchange_family_is_lists=("lists.AppliedChange", "grocery_list"),
        ),
    ]
