"""Count the incidents already recorded into the running totals (new installations have none)."""

from django.db import migrations


def count_existing(apps, schema_editor):
    # Done by 0026_tension_alerts_in_tallies instead: the live counting code it calls now reads the tension
    # alerts counter, which does not exist yet at this migration.
    return


class Migration(migrations.Migration):
    dependencies = [("incidents", "0023_incident_and_monthly_tallies")]

    operations = [migrations.RunPython(count_existing, migrations.RunPython.noop)]
