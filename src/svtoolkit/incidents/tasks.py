"""Background work for incidents, run by the task worker."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from svtoolkit.incidents.models import Participation


@task()
def send_partner_notice(*, participation_id: int) -> None:
    """Tell a partner organisation's contact about the incident, with a link to acknowledge.

    The email holds the reference and a link only: nothing about the people affected.
    """
    from svtoolkit.incidents.services import issue_acknowledgement_token

    participation = Participation.objects.select_related(
        "incident__partnership", "organisation", "contact"
    ).get(pk=participation_id)
    if participation.contact is None or not participation.contact.email:
        return
    token = issue_acknowledgement_token(participation=participation)
    context = {
        "participation": participation,
        "incident": participation.incident,
        "acknowledge_link": settings.SITE_URL + reverse("incidents:acknowledge", args=[token]),
        "incident_link": settings.SITE_URL + reverse("incidents:incident", args=[participation.incident_id]),
    }
    send_mail(
        subject=f"{participation.incident.reference}: {participation.incident.partnership} asks for help",
        message=render_to_string("incidents/email/partner_notice.txt", context),
        from_email=None,
        recipient_list=[participation.contact.email],
    )
