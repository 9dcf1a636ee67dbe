"""Background work for incidents, run by the task worker."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit.core.scheduling import scheduled
from svtoolkit.incidents import escalation
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, Participation, PlanAction
from svtoolkit.incidents.tokens import issue_acknowledgement_token
from svtoolkit.partnerships.models import Contact, IncidentRole


@task()
def send_partner_notice(*, participation_id: int) -> None:
    """Tell a partner organisation's contact about the incident, with a link to acknowledge.

    The email holds the reference and a link only: nothing about the people affected.
    """
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


# Every quarter of an hour: each action is reminded of once a day at most, so an action that falls overdue is
# reminded of within 15 minutes, not the next day.
@scheduled(every=timedelta(minutes=15))
@task()
def send_overdue_reminders() -> int:
    """Email each owner of overdue open actions a list of them, at most once a day per action.

    The owner is the person named on the action, or else the single point of contact of its organisation.
    Returns the number of emails sent.
    """
    now = timezone.now()
    overdue = (
        PlanAction.objects.filter(status__in=OPEN_ACTION_STATUSES, due_at__lt=now)
        .exclude(incident__status="closed")
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=now - timedelta(hours=23)))
        .select_related("incident", "owner", "owner_organisation")
    )
    spoc_email = dict(
        Contact.objects.filter(incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT, is_active=True)
        .exclude(email="")
        .values_list("organisation_id", "email")
    )
    by_recipient: dict[str, list] = {}
    for action in overdue:
        email = action.owner.email if action.owner else spoc_email.get(action.owner_organisation_id)
        if email:
            by_recipient.setdefault(email, []).append(action)
    for email, actions in by_recipient.items():
        context = {
            "actions": actions,
            "links": {
                a.pk: settings.SITE_URL + reverse("incidents:action", args=[a.incident_id, a.pk])
                for a in actions
            },
        }
        send_mail(
            subject=f"{len(actions)} overdue action{'s' if len(actions) != 1 else ''} on svtoolkit",
            message=render_to_string("incidents/email/overdue.txt", context),
            from_email=None,
            recipient_list=[email],
        )
        PlanAction.objects.filter(pk__in=[a.pk for a in actions]).update(last_reminded_at=now)
    return len(by_recipient)


# Every minute, so a step is taken within a minute of its time; a dead run is waited for 5 minutes at most.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task()
def escalate_overdue_actions() -> int:
    """Take the escalation steps of overdue actions that have come due."""
    return escalation.escalate_overdue_actions()
