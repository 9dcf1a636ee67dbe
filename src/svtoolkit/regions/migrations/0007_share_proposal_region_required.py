import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """In a migration of its own: PostgreSQL will not alter a table whose rows the same transaction updated."""

    dependencies = [
        ("regions", "0006_share_proposal_names_its_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="shareproposal",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partnerships.region"
            ),
        ),
    ]
