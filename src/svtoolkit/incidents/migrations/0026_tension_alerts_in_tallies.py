"""The running totals count tension readings at the alert level (the regional dashboard read them from every
reading). The incidents already recorded are counted again by 0028, which rebuilds every table of totals with
the live counting code once its tables exist (the live code writes them, so it cannot run here)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0025_plan_action_due_at_index"),
        ("tension", "0002_text_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidenttally",
            name="tension_alerts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="monthlytally",
            name="tension_alerts",
            field=models.IntegerField(default=0),
        ),
    ]
