from django.db import migrations

from grocer.db import updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [updated_at_trigger("orders.Order", "orders.OrderLine")]
