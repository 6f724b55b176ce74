"""Take over the shop tables the lists app created (lists 0004), rows and all.

The models enter the state on their old tables (`lists_store`, ...), then a real
AlterModelTable renames each table to the shop app's name, on any database backend.
On PostgreSQL the `updated_at` triggers follow their table and are renamed to match,
and the content types move app so admin history and permissions stay attached.
Backwards, everything is renamed back and lists 0006 hands the models to lists again.
"""

import uuid

import django.db.models.deletion
import django.db.models.functions.datetime
import django.db.models.functions.text
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import families.models
import shop.models

MODELS = ("store", "storetrip", "shoppingchoice", "shopperlink")


def _rename_triggers(old_app: str, new_app: str):
    # Runs while the tables carry the shop names (after the renames going forwards,
    # before they are undone going backwards).
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for model in MODELS:
            schema_editor.execute(
                f'ALTER TRIGGER "{old_app}_{model}_touch_updated_at" ON "shop_{model}" '
                f'RENAME TO "{new_app}_{model}_touch_updated_at"'
            )

    return run


def _move_content_types(old_app: str, new_app: str):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MODELS:
            # A content type already made for the new app (by a post_migrate run in
            # between) would collide: keep the old one, which carries the history.
            ContentType.objects.using(db).filter(app_label=new_app, model=model).delete()
            ContentType.objects.using(db).filter(app_label=old_app, model=model).update(
                app_label=new_app
            )

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("families", "0002_updated_at_trigger"),
        ("lists", "0006_move_shop_models_to_shop"),
        ("vendors", "0004_answer_delivery_updated_at_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Store",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now())),
                        ("deleted_at", models.DateTimeField(blank=True, db_index=True, editable=False, null=True)),
                        ("name", models.CharField(max_length=120)),
                        ("aisle_order", models.JSONField(blank=True, default=list)),
                        ("aisle_order_set_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("family", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="stores", to="families.family")),
                        ("vendor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="vendors.vendor")),
                    ],
                    options={
                        "base_manager_name": "all_objects",
                        "db_table": "lists_store",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("name__regex", "\\S")), name="store_name_not_blank"),
                            models.UniqueConstraint(django.db.models.functions.text.Lower("name"), models.F("family"), condition=models.Q(("deleted_at__isnull", True)), name="store_unique_name_per_family", violation_error_message="The family already has a store with that name."),
                        ],
                    },
                    managers=[
                        ("objects", django.db.models.manager.Manager()),
                        ("all_objects", django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name="ShoppingChoice",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now())),
                        ("family", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="shopping_choice", to="families.family")),
                        ("store", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.store")),
                    ],
                    options={"db_table": "lists_shoppingchoice"},
                ),
                migrations.CreateModel(
                    name="StoreTrip",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now())),
                        ("day", models.DateField()),
                        ("categories", models.JSONField(blank=True, default=list)),
                        ("grocery_list", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="lists.grocerylist")),
                        ("store", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="trips", to="shop.store")),
                    ],
                    options={
                        "db_table": "lists_storetrip",
                        "indexes": [models.Index(fields=["store", "day"], name="store_trip_store_day_idx")],
                        "constraints": [models.UniqueConstraint(fields=("store", "grocery_list", "day"), name="store_trip_one_per_day")],
                    },
                ),
                migrations.CreateModel(
                    name="ShopperLink",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False)),
                        ("updated_at", models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now())),
                        ("name", models.CharField(max_length=60)),
                        ("token", models.CharField(default=families.models.new_token, editable=False, max_length=64, unique=True)),
                        ("expires_at", models.DateTimeField(default=shop.models.shopper_link_expiry)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("grocery_list", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="shopper_links", to="lists.grocerylist")),
                    ],
                    options={
                        "db_table": "lists_shopperlink",
                        "constraints": [models.CheckConstraint(condition=models.Q(("name__regex", "\\S")), name="shopper_name_not_blank")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="store", table=None),
        migrations.AlterModelTable(name="shoppingchoice", table=None),
        migrations.AlterModelTable(name="storetrip", table=None),
        migrations.AlterModelTable(name="shopperlink", table=None),
        migrations.RunPython(_rename_triggers("lists", "shop"), _rename_triggers("shop", "lists")),
        migrations.RunPython(
            _move_content_types("lists", "shop"), _move_content_types("shop", "lists")
        ),
    ]
