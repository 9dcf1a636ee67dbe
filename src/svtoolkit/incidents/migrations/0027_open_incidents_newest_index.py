"""The regional board reads a region's open incidents newest first: an index of the open ones only, in that
order, so the board reads its hundred rows rather than every incident of 33 boroughs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0026_tension_alerts_in_tallies")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["-notified_at", "-id"],
                name="incident_open_newest",
            ),
        ),
    ]
