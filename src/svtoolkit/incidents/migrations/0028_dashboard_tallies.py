"""The partnership dashboard reads running totals too (``DashboardTally``): response times by the month the
partnership was notified, actions by the month they are due. The incidents already recorded are counted
again by 0030, so every table of totals is made as the services keep it."""

import django.db.models.deletion
from django.db import migrations, models


def count_existing(apps, schema_editor):
    # Done by 0030_count_only_meetings_held instead, which counts every table of totals again with the live
    # code once the first critical-incident meeting means the first held.
    return


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0027_open_incidents_newest_index"),
        ("partnerships", "0012_school_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidenttally",
            name="actions_by_due_month",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="incidenttally",
            name="notified_month",
            field=models.DateField(null=True),
        ),
        migrations.CreateModel(
            name="DashboardTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("occurred", models.DateField()),
                ("incident_type", models.CharField(blank=True, max_length=64)),
                ("month", models.DateField()),
                ("notified", models.IntegerField(default=0)),
                ("with_meeting", models.IntegerField(default=0)),
                ("seconds_to_meeting", models.BigIntegerField(default=0)),
                ("with_informed", models.IntegerField(default=0)),
                ("seconds_to_informed", models.BigIntegerField(default=0)),
                ("actions_on_time", models.IntegerField(default=0)),
                ("actions_late", models.IntegerField(default=0)),
                ("actions_open", models.IntegerField(default=0)),
                (
                    "partnership",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partnerships.partnership",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partnership", "incident_type", "occurred", "month"),
                        name="dashboard_tally_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
