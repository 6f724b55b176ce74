from django.db import migrations

from grocer.db import updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("vendors", "0003_share_delivery_answers_webhook_receipts")]

    operations = [
        updated_at_trigger(
            "vendors.ShareDelivery",
            "vendors.WebhookReceipt",
            "vendors.VendorAnswer",
            "vendors.VendorAnswerLine",
        )
    ]
