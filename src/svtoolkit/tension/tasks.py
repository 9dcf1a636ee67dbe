"""Background work for community tension, run by the task worker."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from svtoolkit.tension.models import TensionReading
from svtoolkit.tension.scale import level_label


@task()
def alert_lead(*, reading_id: int) -> bool:
    """Email the incident's lead officer that tension crossed the alert level; False if there is no lead."""
    reading = TensionReading.objects.select_related("incident").get(pk=reading_id)
    lead = reading.incident.leads.select_related("officer").order_by("-starts_at", "-id").first()
    if lead is None or not lead.officer.email:
        return False
    link = settings.SITE_URL + reverse("tension:overview", args=[reading.incident_id])
    send_mail(
        subject=f"{reading.incident.reference}: tension in {reading.area} is now {reading.level}",
        message=render_to_string(
            "tension/email/alert.txt", {"reading": reading, "label": level_label(reading.level), "link": link}
        ),
        from_email=None,
        recipient_list=[lead.officer.email],
    )
    return True
