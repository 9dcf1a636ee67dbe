import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def keys_belong_to_their_alerts_partnership(apps, schema_editor):
    RaisedAlertKey = apps.get_model("api", "RaisedAlertKey")
    Alert = apps.get_model("alerts", "Alert")
    RaisedAlertKey.objects.update(
        partnership=Subquery(Alert.objects.filter(pk=OuterRef("alert_id")).values("partnership_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0008_alert_partners_reminder"),
        ("api", "0003_raised_alert_key"),
        ("partnerships", "0014_settings_revisions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="raisedalertkey",
            name="partnership",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partnerships.partnership",
            ),
        ),
        migrations.RunPython(keys_belong_to_their_alerts_partnership, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="raisedalertkey",
            name="partnership",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partnerships.partnership"
            ),
        ),
        migrations.RemoveConstraint(model_name="raisedalertkey", name="one_alert_per_key"),
        migrations.AddConstraint(
            model_name="raisedalertkey",
            constraint=models.UniqueConstraint(
                fields=("user", "partnership", "key"), name="one_alert_per_key_in_partnership"
            ),
        ),
    ]
