from django.db import migrations

from grocer.db import updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("photos", "0001_photo")]

    operations = [updated_at_trigger("photos.Photo")]
