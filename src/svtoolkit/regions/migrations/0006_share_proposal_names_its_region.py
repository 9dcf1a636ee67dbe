import django.db.models.deletion
from django.db import migrations, models


def proposed_by_the_partnerships_region(apps, schema_editor):
    """Each proposal so far was the region's that its incident's partnership is in now; one whose partnership
    is in no region belongs to no region that could show or decide it."""
    ShareProposal = apps.get_model("regions", "ShareProposal")
    for proposal in ShareProposal.objects.select_related("incident__partnership"):
        region_id = proposal.incident.partnership.region_id
        if region_id is None:
            proposal.delete()
        else:
            ShareProposal.objects.filter(pk=proposal.pk).update(region_id=region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0013_partnership_revision"),
        ("regions", "0005_fund_application_follows_its_partnership"),
    ]

    operations = [
        migrations.RenameField(
            model_name="shareproposal",
            old_name="decline_reason",
            new_name="decision_reason",
        ),
        migrations.AlterField(
            model_name="shareproposal",
            name="status",
            field=models.CharField(
                choices=[
                    ("proposed", "Proposed"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="proposed",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="shareproposal",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partnerships.region",
            ),
        ),
        migrations.RunPython(proposed_by_the_partnerships_region, migrations.RunPython.noop),
    ]
