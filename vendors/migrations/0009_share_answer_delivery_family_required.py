"""Shares, deliveries, answers and answer lines must have their parent's family
(PostgreSQL composite foreign keys, as for items in lists 0010)."""

import django.db.models.deletion
from django.db import migrations, models

from grocer.db import family_foreign_keys


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0010_item_event_family_required"),
        ("vendors", "0008_share_answer_delivery_family"),
    ]

    operations = [
        migrations.AlterField(
            model_name="vendorshare",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AlterField(
            model_name="sharedelivery",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AlterField(
            model_name="vendoranswer",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AlterField(
            model_name="vendoranswerline",
            name="family",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="families.family",
            ),
        ),
        migrations.AddConstraint(
            model_name="vendorshare",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="share_id_family_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="vendoranswer",
            constraint=models.UniqueConstraint(
                fields=("id", "family"), name="answer_id_family_unique"
            ),
        ),
        family_foreign_keys(
            share_family_is_lists=("vendors.VendorShare", "grocery_list"),
            delivery_family_is_shares=("vendors.ShareDelivery", "share"),
            answer_family_is_shares=("vendors.VendorAnswer", "share"),
            answerline_family_is_answers=("vendors.VendorAnswerLine", "answer"),
        ),
    ]
