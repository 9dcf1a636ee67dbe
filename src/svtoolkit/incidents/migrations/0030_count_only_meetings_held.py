"""The response times count an incident's first critical-incident meeting held, no longer one still planned or
cancelled. The incidents already recorded are counted again into every table of totals (the count 0028 made
before), so each is made as the services keep it."""

from django.db import migrations


def count_again(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    if not Incident.objects.exists():
        return
    # The live counting code; it reads only columns and tables that exist at this migration.
    from svtoolkit.incidents import tallies

    tallies.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0029_escalation_timetable_revision"),
        ("meetings", "0003_text_limits"),
    ]

    operations = [migrations.RunPython(count_again, migrations.RunPython.noop)]
