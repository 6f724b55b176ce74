"""Shares, their deliveries, answers and answer lines carry their family (the tenant),
filled from the list (shares) and then from the share or answer. Nullable here; 0009 makes
it required and ties each to its parent's family (two transactions: see lists 0009)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_backfill


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0004_drop_covered_indexes"),
        ("vendors", "0007_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="vendorshare",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddField(
            model_name="sharedelivery",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddField(
            model_name="vendoranswer",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddField(
            model_name="vendoranswerline",
            name="family",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        # In this order: each is filled from a parent filled before it.
        family_backfill(
            **{
                "vendors.VendorShare": "grocery_list",
                "vendors.ShareDelivery": "share",
                "vendors.VendorAnswer": "share",
                "vendors.VendorAnswerLine": "answer",
            }
        ),
    ]
