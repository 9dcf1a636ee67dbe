"""An exercise whose incident was recorded before this migration is marked held.

Until now nothing changed an exercise's status, so every exercise said "Planned", run or not; recording its
incident now marks it held (``playbooks.services.exercise_held``). No exercise was cancelled before, so one
with no incident stays planned."""

from django.db import migrations

PLANNED = "planned"
HELD = "held"


def mark_exercises_run_held(apps, schema_editor):
    Exercise = apps.get_model("playbooks", "Exercise")
    Incident = apps.get_model("incidents", "Incident")
    run = Incident.objects.filter(exercise__isnull=False).values("exercise_id")
    Exercise.objects.filter(status=PLANNED, pk__in=run).update(status=HELD)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0033_end_measures_left_in_force_at_closing")]

    operations = [migrations.RunPython(mark_exercises_run_held, migrations.RunPython.noop)]
