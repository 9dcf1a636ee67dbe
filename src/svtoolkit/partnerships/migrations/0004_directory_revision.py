"""Directory entries count their saves in ``revision``, as every other record edited through a form does."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0003_partnership_personal_data_retention_years"),
    ]

    operations = [
        migrations.RenameField(model_name="organisation", old_name="version", new_name="revision"),
        migrations.RenameField(model_name="contact", old_name="version", new_name="revision"),
        migrations.RenameField(model_name="supportservice", old_name="version", new_name="revision"),
    ]
