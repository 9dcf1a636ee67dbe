"""A meeting called off, before migration 0005, once its time had passed is recorded as not having taken
place.

Until 0005 the pages showed such a meeting as "Cancelled", as if partners had been told in advance it was off;
0005 added the mark with every meeting unmarked. When the meeting was called off is read from its audit entry
(the status it was set to, and when): one called off at or after its end did not take place. A meeting called
off in advance, or while under way, stays "Cancelled"."""

from datetime import timedelta

from django.db import migrations

CANCELLED = "cancelled"
UPDATED = "update"


def mark_meetings_that_did_not_take_place(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    unmarked = {
        str(pk): (starts_at, duration)
        for pk, starts_at, duration in Meeting.objects.filter(
            status=CANCELLED, did_not_take_place=False
        ).values_list("pk", "starts_at", "duration_minutes")
    }
    called_off = AuditEntry.objects.filter(
        target_type="meetings.Meeting", target_id__in=list(unmarked), action=UPDATED, detail__status=CANCELLED
    ).values_list("target_id", "at")
    over_when_called_off = {
        int(target_id)
        for target_id, at in called_off
        if at >= unmarked[target_id][0] + timedelta(minutes=unmarked[target_id][1])
    }
    Meeting.objects.filter(pk__in=over_when_called_off).update(did_not_take_place=True)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0005_meeting_did_not_take_place"),
        ("audit", "0004_viewed_by_the_region"),
    ]

    operations = [migrations.RunPython(mark_meetings_that_did_not_take_place, migrations.RunPython.noop)]
