"""A share's disclosure names the share it made: the other partnership reads the records it names.

Each disclosure already logged for a share is linked to it (the same incident, the other partnership named as
the recipient). A record made after a share, which no such disclosure names, stays closed to the other
partnership until the incident is shared with it again."""

import django.db.models.deletion
from django.db import migrations, models

SHARED = "The incident and its people affected, shared with another partnership"


def link_shares_to_their_disclosures(apps, schema_editor):
    IncidentShare = apps.get_model("incidents", "IncidentShare")
    Disclosure = apps.get_model("incidents", "Disclosure")
    for share in IncidentShare.objects.select_related("partnership"):
        Disclosure.objects.filter(
            incident_id=share.incident_id, what=SHARED, recipient=share.partnership.name, share=None
        ).update(share=share)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0031_notified_by_fits_a_name_and_organisation"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosure",
            name="share",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="disclosures",
                to="incidents.incidentshare",
            ),
        ),
        migrations.RunPython(link_shares_to_their_disclosures, migrations.RunPython.noop),
    ]
