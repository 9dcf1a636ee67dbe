from django.db import models


class Partnership(models.Model):
    """A Community Safety Partnership: the tenant. Everything partners record belongs to one."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    area = models.CharField(max_length=200, help_text="The borough or area the partnership covers.")
    reference_prefix = models.CharField(
        max_length=8, unique=True, help_text="Short code that starts the partnership's incident references."
    )
    require_two_factor = models.BooleanField(
        default=False, help_text="Members must set up and use an authenticator app to sign in."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    POLICE = "police", "Police"
    BRITISH_TRANSPORT_POLICE = "btp", "British Transport Police"
    FIRE = "fire", "Fire and rescue"
    AMBULANCE = "ambulance", "Ambulance service"
    COUNCIL = "council", "Council"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULTS_SOCIAL_CARE = "adults_social_care", "Adults' social care"
    HEALTH_HOSPITAL = "health_hospital", "Health: hospital"
    HEALTH_GP = "health_gp", "Health: GP"
    HEALTH_PUBLIC = "health_public", "Health: public health"
    PROBATION = "probation", "Probation"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    EDUCATION = "education", "Education"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary or community"
    FAITH = "faith", "Faith group"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """A partner agency as it takes part in one partnership."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="organisation_name_unique_in_partnership"
            )
        ]

    def __str__(self):
        return self.name
