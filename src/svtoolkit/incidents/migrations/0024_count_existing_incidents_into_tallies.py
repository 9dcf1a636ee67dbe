"""Count the incidents already recorded into the running totals (new installations have none)."""

from django.db import migrations


def count_existing(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    if not Incident.objects.exists():
        return
    # The live counting code, so the totals are made exactly as the services keep them; it reads only
    # columns that exist at this migration.
    from svtoolkit.incidents import tallies

    tallies.rebuild()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0023_incident_and_monthly_tallies")]

    operations = [migrations.RunPython(count_existing, migrations.RunPython.noop)]
