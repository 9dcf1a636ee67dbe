"""A police measure left current on an incident closed before closing refused that is recorded ended when the
incident closed.

Until closing refused while a measure was in force or due to start, an incident could close with one current:
its page and the API showed it in force for good, and nobody could record it lifted, since a closed incident
refuses changes. Each such measure is recorded lifted at the incident's closing time (by no one), with a line on
the incident's timeline saying the upgrade ended it. A measure of an incident open again, or in recovery, is
left as it is: it may be lifted by hand."""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

CLOSED = "closed"


def end_measures_left_in_force_at_closing(apps, schema_editor):
    SceneMeasure = apps.get_model("incidents", "SceneMeasure")
    TimelineEntry = apps.get_model("incidents", "TimelineEntry")
    now = timezone.now()
    left_current = (
        SceneMeasure.objects.filter(scene__incident__status=CLOSED, lifted_at__isnull=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("scene__incident")
        .order_by("scene__incident", "starts_at", "id")
    )
    for measure in left_current:
        incident = measure.scene.incident
        # An incident closed before its closing time was kept has none: it ends now, the nearest we know.
        ended_at = incident.closed_at or now
        measure.lifted_at = ended_at
        measure.save(update_fields=["lifted_at"])
        local = timezone.localtime(ended_at)
        TimelineEntry.objects.create(
            incident=incident,
            by=None,
            kind="change",
            text=(
                f"{measure.get_kind_display()} recorded as ended at {local:%H:%M} on {local.day} "
                f"{local:%b %Y}, when the incident closed: it was left in force at closing, before closing "
                f"refused that, and ended by the upgrade. {measure.description}"
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0032_share_discloses_records")]

    operations = [migrations.RunPython(end_measures_left_in_force_at_closing, migrations.RunPython.noop)]
