import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """In a migration of its own: PostgreSQL will not alter a table whose rows the same transaction updated."""

    dependencies = [
        ("regions", "0003_regional_share_with_its_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="regionalshare",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partnerships.region"
            ),
        ),
    ]
