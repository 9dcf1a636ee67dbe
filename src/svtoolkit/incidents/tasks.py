"""Background work for incidents, run by the task worker."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from svtoolkit import access
from svtoolkit.core.scheduling import not_reminded_lately, scheduled
from svtoolkit.incidents import escalation
from svtoolkit.incidents.locks import lock_incidents
from svtoolkit.incidents.models import OPEN_ACTION_STATUSES, PlanAction
from svtoolkit.messaging import services as messaging
from svtoolkit.partnerships.selectors import single_points_of_contact_to_email


def _due_for_reminder(now) -> Q:
    return Q(status__in=OPEN_ACTION_STATUSES, due_at__lt=now) & not_reminded_lately(now)


def _owner_may_be_told() -> ExpressionWrapper:
    """Whether the person named on the action may still be told about its incident (access.may_be_told_about):
    one switched off or who has left is not reminded, and the action goes to its organisation's single point
    of contact as if no one were named."""
    condition = access.told_about_incident_condition(person="owner", incident="incident")
    return ExpressionWrapper(condition, output_field=BooleanField())


# Every quarter of an hour: each action is reminded of once a day at most, so an action that falls overdue is
# reminded of within 15 minutes, not the next day.
@scheduled(every=timedelta(minutes=15))
@task()
def send_overdue_reminders() -> int:
    """Remind each owner of overdue open actions with one list of them per partnership (that of each action's
    incident, shared or not), at most once a day per action.

    The owner is the person named on the action while they may still be told about its incident, or else the
    single point of contact of its organisation. A reminder belongs to one partnership, so one that fails
    shows in its delivery log and its coordinators can send it again. Each action is claimed (its reminder
    time set by a conditional update) in the transaction that queues the reminder, so two overlapping runs
    remind once. Returns the number of reminders queued.
    """
    now = timezone.now()
    overdue = (
        PlanAction.objects.filter(_due_for_reminder(now))
        .exclude(incident__status="closed")
        .annotate(owner_may_be_told=_owner_may_be_told())
        .select_related("incident__partnership", "owner", "owner_organisation")
    )
    single_points_of_contact = single_points_of_contact_to_email()
    by_recipient: dict[tuple, tuple[messaging.Recipient, list]] = {}
    for action in overdue:
        if action.owner_may_be_told:
            key, recipient = ("user", action.owner_id), messaging.recipient_for_user(action.owner)
        elif contact := single_points_of_contact.get(action.owner_organisation_id):
            key, recipient = ("contact", contact.pk), messaging.recipient_for_contact(contact)
        else:
            continue
        key += (action.incident.partnership_id,)
        by_recipient.setdefault(key, (recipient, []))[1].append(action)
    return sum(_remind(recipient, actions, now=now) for recipient, actions in by_recipient.values())


@transaction.atomic
def _remind(recipient, actions, *, now) -> int:
    # Their incidents first, then the actions in order of key (locks.py): a service changing an incident's
    # actions holds the incident, and this takes its turn instead of deadlocking with it.
    lock_incidents({action.incident_id for action in actions})
    claimed_keys = {
        action.pk
        for action in sorted(actions, key=lambda action: action.pk)
        if PlanAction.objects.filter(pk=action.pk).filter(_due_for_reminder(now)).update(last_reminded_at=now)
    }
    claimed = [action for action in actions if action.pk in claimed_keys]  # listed in the plan's order
    if not claimed:
        return 0  # an overlapping run has just reminded them
    count = len(claimed)
    incidents = {action.incident for action in claimed}
    partnership = claimed[0].incident.partnership
    context = {
        "partnership": partnership,
        "actions": claimed,
        "links": {
            a.pk: settings.SITE_URL + reverse("incidents:action", args=[a.incident_id, a.pk]) for a in claimed
        },
    }
    # Named, as an owner in two partnerships gets one reminder from each; EXERCISE first when every action
    # is an exercise's (each exercise's line in the list says so too).
    rehearsal = "EXERCISE " if all(action.incident.is_exercise for action in claimed) else ""
    subject = f"{rehearsal}{count} overdue action{'s' if count != 1 else ''} in {partnership}"
    sent = messaging.send(
        kind="overdue_reminder",
        subject=subject,
        body=render_to_string("incidents/email/overdue.txt", context),
        sms_text=f"{subject}: {settings.SITE_URL}/",
        recipients=[recipient],
        incident=incidents.pop() if len(incidents) == 1 else None,
        partnership=partnership,
    )
    if sent is None:
        transaction.set_rollback(True)  # no one to send it to: leave the actions for the next run
        return 0
    return 1


# Every minute, so a step is taken within a minute of its time; a dead run is waited for 5 minutes at most.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task()
def escalate_overdue_actions() -> int:
    """Take the escalation steps of overdue actions that have come due."""
    return escalation.escalate_overdue_actions()
