import django.core.validators
from django.db import migrations, models
from django.db.models.functions import Greatest, Least


def bring_into_range(apps, schema_editor):
    """A period set outside 1 to 25 years (only the admin could) is brought to the nearer bound first: none
    would erase everything the next night, and one of thousands of years stopped the retention job."""
    Partnership = apps.get_model("partnerships", "Partnership")
    Partnership.objects.filter(
        models.Q(personal_data_retention_years__lt=1) | models.Q(personal_data_retention_years__gt=25)
    ).update(personal_data_retention_years=Least(Greatest("personal_data_retention_years", 1), 25))


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0014_settings_revisions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partnership",
            name="personal_data_retention_years",
            field=models.PositiveSmallIntegerField(
                default=6,
                help_text="How many years after an incident is closed its people-affected details are kept.",
                validators=[
                    django.core.validators.MinValueValidator(1, "Keep the details for at least 1 year"),
                    django.core.validators.MaxValueValidator(25, "Keep the details for at most 25 years"),
                ],
            ),
        ),
        migrations.RunPython(bring_into_range, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="partnership",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("personal_data_retention_years__gte", 1), ("personal_data_retention_years__lte", 25)
                ),
                name="retention_years_in_range",
            ),
        ),
    ]
