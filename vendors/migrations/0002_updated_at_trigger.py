from django.db import migrations

from grocer.db import updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    operations = [updated_at_trigger("vendors.Vendor", "vendors.VendorShare")]
