"""The running totals count tension readings at the alert level (the regional dashboard read them from every
reading); the incidents already recorded are counted again, so their alerts are in the totals."""

from django.db import migrations, models


def count_existing(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    if not Incident.objects.exists():
        return
    # The live counting code, so the totals are made exactly as the services keep them; it reads only
    # columns and tables that exist at this migration (hence the dependency on the tension app's).
    from svtoolkit.incidents import tallies

    tallies.rebuild()


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
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
