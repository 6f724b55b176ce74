from django.db import migrations

from grocer.db import updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("families", "0001_initial")]

    operations = [updated_at_trigger("families.User", "families.Family", "families.Membership", "families.Invitation")]
