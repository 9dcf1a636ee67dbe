import django.db.models.deletion
from django.db import migrations, models


def share_with_the_partnerships_region(apps, schema_editor):
    """Each share so far was with the region its partnership is in now; one whose partnership is in no region
    shares with nobody."""
    RegionalShare = apps.get_model("regions", "RegionalShare")
    for share in RegionalShare.objects.select_related("incident__partnership"):
        region_id = share.incident.partnership.region_id
        if region_id is None:
            share.delete()
        else:
            RegionalShare.objects.filter(pk=share.pk).update(region_id=region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0009_regions_and_regional_sharing"),
        ("regions", "0002_critical_incident_fund"),
    ]

    operations = [
        migrations.AddField(
            model_name="regionalshare",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partnerships.region",
            ),
        ),
        migrations.RunPython(share_with_the_partnerships_region, migrations.RunPython.noop),
    ]
