"""Changing the rota and the alerting set-up, raising and escalating alerts, and launching the response.

Each function runs in one transaction and writes the audit log (and, for an incident, its timeline). Messages
go through svtoolkit.messaging in the same transaction, so an alert is never lost between the change and the
worker that sends it.
"""

import logging
import random
import re
import secrets
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Invitation
from svtoolkit.alerts import events, selectors
from svtoolkit.alerts.defaults import ANY_CATEGORY, Step, default_launch_rules
from svtoolkit.alerts.models import (
    Alert,
    AlertListMember,
    AlertRecipient,
    AlertStep,
    DutyRole,
    DutyShift,
    EscalationPolicy,
    EscalationStep,
    LaunchProtocol,
    LaunchRule,
)
from svtoolkit.audit.services import record_created, record_deleted, record_updated
from svtoolkit.core.datetimes import CLOCK_SKEW
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import update_if_unchanged
from svtoolkit.incidents import selectors as incident_selectors
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.conditions import met_for
from svtoolkit.incidents.models import IncidentStatus, NotificationSource
from svtoolkit.incidents.places import check_coordinates
from svtoolkit.messaging import selectors as messaging_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.messaging.models import Urgency
from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.partnerships.services import take_turns_in

logger = logging.getLogger(__name__)

# Who told the partnership, by the kind of the reporter's organisation.
SOURCE_BY_KIND = {
    OrganisationKind.POLICE: NotificationSource.POLICE,
    OrganisationKind.BRITISH_TRANSPORT_POLICE: NotificationSource.BRITISH_TRANSPORT_POLICE,
    OrganisationKind.FIRE: NotificationSource.FIRE,
    OrganisationKind.AMBULANCE: NotificationSource.AMBULANCE,
    OrganisationKind.CHILDRENS_SOCIAL_CARE: NotificationSource.CHILDRENS_SOCIAL_CARE,
    OrganisationKind.ADULTS_SOCIAL_CARE: NotificationSource.ADULTS_SOCIAL_CARE,
    OrganisationKind.HEALTH_HOSPITAL: NotificationSource.HEALTH,
    OrganisationKind.HEALTH_GP: NotificationSource.HEALTH,
    OrganisationKind.HEALTH_PUBLIC: NotificationSource.HEALTH,
    OrganisationKind.EDUCATION: NotificationSource.SCHOOL,
    OrganisationKind.SCHOOL: NotificationSource.SCHOOL,
    OrganisationKind.VOLUNTARY: NotificationSource.VOLUNTARY,
    OrganisationKind.FAITH: NotificationSource.VOLUNTARY,
}
MAX_SHIFT = timedelta(days=7)
MAX_ESCALATION_MINUTES = 240
# A number to ring: digits, spaces, brackets and dashes, perhaps after a +; of digits, at least a UK
# number's 10 (after its 0) and at most the 15 of the longest international number.
PHONE_NUMBER = re.compile(r"^\+?[0-9 ()-]{10,25}$")
PHONE_DIGITS = range(10, 16)
# The example each number's message gives: a mobile to call back on, a landline out of hours.
PHONE_EXAMPLES = {"callback_number": "07700 900123", "out_of_hours_number": "020 7946 0199"}
# Three quarters of the hour in which partners are to hear of an incident (selectors.PARTNERS_TOLD_WITHIN):
# time enough, once reminded, to categorise it and name its lead.
PARTNERS_REMINDER_AFTER = timedelta(minutes=45)
ALERT_LIST_REASON = "Alert list"
FALLBACK_REASON = "Coordinator: no one on the rota could be alerted"
# Why someone on duty now was alerted after their role's step was taken: a handover, a cover or their shift.
CAME_ON_DUTY_REASON = "Came on duty as {role} while the alert was waiting"
# A step taken this long after its time says so: the sweep runs each minute, so a minute late is on time.
LATE_ENOUGH_TO_SAY = timedelta(minutes=2)


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M}"


def check_phone_number(*, number: str, field: str) -> None:
    """A number given to ring (``field`` is ``callback_number`` or ``out_of_hours_number``) looks like a phone
    number; an empty one is not checked here (the form and the API say whether one is needed)."""
    number = number.strip()
    if number and not (PHONE_NUMBER.match(number) and sum(c.isdigit() for c in number) in PHONE_DIGITS):
        raise DomainError(f"Enter a phone number, like {PHONE_EXAMPLES[field]}.", field=field)


# --- Raising an alert ----------------------------------------------------------------------------------


@transaction.atomic
def raise_alert(
    *,
    partnership,
    by,
    what: str,
    details: str,
    where: str,
    latitude=None,
    longitude=None,
    occurred_at: datetime,
    how_they_know: str,
    callback_number: str,
    incident_types=(),
    is_exercise: bool = False,
    request=None,
) -> Alert:
    """Record a new incident as an alert and alert the first step of the escalation policy (the duty officer,
    should a stored policy alert no one at once) and the alert list at once, by text message and email. The
    reporter's organisation takes part, so its members see it."""
    if not access.can_raise_alert(by, partnership):
        raise DomainError("You cannot raise an incident alert in this partnership.")
    check_phone_number(number=callback_number, field="callback_number")
    now = timezone.now()
    if occurred_at > now + CLOCK_SKEW:
        raise DomainError("The time it happened cannot be in the future.", field="occurred_at")
    check_coordinates(latitude=latitude, longitude=longitude, field="latitude")
    organisation = access.lead_organisation_of(by, partnership)
    source = SOURCE_BY_KIND.get(organisation.kind, NotificationSource.OTHER) if organisation else "other"
    incident = incident_services.record_incident(
        partnership=partnership,
        by=by,
        title=what,
        incident_types=list(incident_types),
        occurred_at=min(occurred_at, now),
        notified_at=now,
        notification_source=source,
        notified_by=f"{by.full_name or by.email}" + (f", {organisation}" if organisation else ""),
        summary=details.strip() or what,
        scenes=[{"description": where.strip(), "area": "", "latitude": latitude, "longitude": longitude}],
        is_exercise=is_exercise,
        status=IncidentStatus.ALERTED,
        request=request,
    )
    if organisation is not None:
        incident_services.add_participant(
            incident=incident, organisation=organisation, contact=None, by=by, request=request
        )
    alert = Alert.objects.create(
        incident=incident,
        partnership=partnership,
        raised_by=by,
        raised_at=now,
        reporter_organisation=organisation,
        how_they_know=how_they_know.strip(),
        callback_number=callback_number.strip(),
    )
    incident_services.log_change(
        incident=incident,
        by=by,
        text=f"Incident alert raised by {by}"
        + (f" ({organisation})" if organisation else "")
        + f". How they know: {alert.how_they_know} Call back on {alert.callback_number}.",
    )
    record_created(by=by, target=alert, request=request)
    events.publish_raised(alert=alert)
    # Someone is alerted at once whatever the stored policy says (one written without a 0-minute step): the
    # duty officer, or the coordinators standing in; and the alert list with the first step, always at once.
    at_once = [step for step in selectors.escalation_steps(partnership) if step.after_minutes == 0] or [
        Step(DutyRole.DUTY_OFFICER.value, 0)
    ]
    for step in at_once:
        _take_step(alert_id=alert.pk, step=step, now=now, with_alert_list=step == at_once[0])
    return alert


def _alert_people(alert, step, people, now, *, came_on_duty=False) -> list[AlertRecipient]:
    """Alert each person not alerted yet for this alert, each with a link of their own to acknowledge: the
    recipients and their messages are written together, a few inserts whatever the number of people.
    ``came_on_duty``: they came on duty after their role's step, while the alert was waiting."""
    already = set(alert.recipients.values_list("user_id", flat=True))
    chosen, tokens = [], []
    for person, reason in people:
        if person.pk in already:
            continue
        already.add(person.pk)
        token = secrets.token_urlsafe(24)
        tokens.append(token)
        chosen.append(
            AlertRecipient(
                alert=alert,
                step=step,
                user=person,
                reason=reason,
                notified_at=now,
                token_hash=Invitation.hash_token(token),
            )
        )
    if not chosen:
        return []
    alerted = AlertRecipient.objects.bulk_create(chosen)
    notifications = _send_alerts(alert, alerted, tokens, came_on_duty=came_on_duty)
    for recipient, notification in zip(alerted, notifications, strict=True):
        recipient.notification = notification
    AlertRecipient.objects.bulk_update(alerted, ["notification"])
    names = ", ".join(f"{r.user} ({r.reason.lower()})" for r in alerted)
    incident_services.log_change(incident=alert.incident, by=None, text=f"Alerted: {names}.")
    return alerted


def _send_alerts(alert, recipients, tokens, *, came_on_duty=False):
    incident = alert.incident
    context = {
        "alert": alert,
        "came_on_duty": came_on_duty,
        "incident": incident,
        "scene": incident.scenes.first(),
        "incident_link": _link_to(incident, "incidents:incident"),
    }
    messages = []
    for recipient, token in zip(recipients, tokens, strict=True):
        personal = {
            **context,
            "recipient": recipient,
            "acknowledge_link": settings.SITE_URL + reverse("alerts:acknowledge", args=[token]),
        }
        messages.append(
            messaging.Personal(
                recipient=messaging.recipient_for_user(recipient.user),
                body=render_to_string("alerts/email/alert.txt", personal),
                sms_text=render_to_string("alerts/email/alert_sms.txt", personal).strip(),
                secret=token,
                dedupe_key=f"alert:{alert.pk}:user:{recipient.user_id}",
            )
        )
    return messaging.send_personal(
        kind="incident_alert",
        subject=f"{incident.exercise_prefix}ALERT {incident.reference}: {incident.title}",
        messages=messages,
        urgency=Urgency.ALERT,
        partnership=alert.partnership,
        incident=incident,
    )


@transaction.atomic
def send_measure_update(*, incident, measure, change: str) -> object | None:
    """Tell everyone the alert reached that a police measure was added or lifted, with every measure
    still current (no coordinates: the summary is for anyone who sees the incident). Once per measure and
    change; nothing when the incident was not raised as an alert."""
    from svtoolkit.incidents.measures import selectors as measures_selectors

    alert = Alert.objects.filter(incident=incident).select_related("partnership").first()
    if alert is None:
        return None
    # Not one whose alert was withdrawn unsent when someone acknowledged: it would wake them for an alert
    # they never had. One who acknowledged has it, whatever became of their message.
    reached = alert.recipients.filter(user__in=selectors.response_team(alert.partnership)).exclude(
        acknowledged_at__isnull=True, notification__in=messaging_selectors.withdrawn_unsent()
    )
    people = [recipient.user for recipient in reached.select_related("user").order_by("notified_at", "id")]
    state = "lifted" if change == "lifted" else "in place"
    what = f"{measure.get_kind_display()} {state}: {measure.description}"
    context = {
        "incident": incident,
        "what": what,
        "summary": measures_selectors.measures_summary(incident),
        "incident_link": _link_to(incident, "incidents:incident"),
    }
    update = f"{incident.exercise_prefix}UPDATE {incident.reference}: {what}"
    return messaging.send(
        kind="alert_update",
        subject=update[:200],
        body=render_to_string("alerts/email/measure_update.txt", context),
        sms_text=update[:400] + f" {context['incident_link']}",
        recipients=[messaging.recipient_for_user(person) for person in people],
        urgency=Urgency.ALERT,
        partnership=alert.partnership,
        incident=incident,
        dedupe_key=f"alert-update:measure:{measure.pk}:{change}",
    )


# --- Escalation ----------------------------------------------------------------------------------------


def _alert_locked(alert_id: int) -> Alert:
    """The alert, its row alone locked (not its incident's nor its partnership's, read with it): a lead being
    named holds the incident while it waits for the alert, and would otherwise wait for ever on this. Within
    a transaction."""
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("incident", "partnership")
        .get(pk=alert_id)
    )


def _take_step(*, alert_id: int, step: Step, now: datetime, with_alert_list: bool = False) -> int:
    """Take one step of the policy for one alert, once: the step's row is the claim, written in the same
    transaction as the messages, so a second run at the same moment finds it and alerts no one."""
    try:
        with transaction.atomic():
            alert = _alert_locked(alert_id)
            if alert.acknowledged_at is not None:
                return 0
            taken = AlertStep.objects.create(
                alert=alert, duty_role=step.duty_role, after_minutes=step.after_minutes, taken_at=now
            )
            role = DutyRole(step.duty_role)
            shift = selectors.on_duty(alert.partnership, role, now)
            people = [(shift.person, role.label)] if shift else []
            if with_alert_list:
                people += [
                    (entry.user, ALERT_LIST_REASON) for entry in selectors.alert_list(alert.partnership)
                ]
            alerted = _alert_people(alert, taken, people, now)
            if shift is None:
                taken.note = _why_no_one_is_on_duty(alert.partnership, role, now)
                if not alerted:  # a gap in the rota must not leave a step unheard: the coordinators stand in
                    partnership = alert.partnership
                    stand_ins = [
                        (person, FALLBACK_REASON) for person in selectors.coordinators_of(partnership)
                    ]
                    if _alert_people(alert, taken, stand_ins, now):
                        taken.note += " The coordinators were alerted instead."
            elif not any(r.user_id == shift.person_id for r in alerted):
                taken.note = f"{shift.person} ({role.label.lower()}) had been alerted already."
            taken.note = f"{taken.note} {_how_late(alert, step, now)}".strip()
            if alert.escalation_failures:
                alert.escalation_failed_at, alert.escalation_failures, alert.escalation_error = None, 0, ""
                alert.save(update_fields=["escalation_failed_at", "escalation_failures", "escalation_error"])
            if taken.note:
                taken.save(update_fields=["note"])
            if step.after_minutes:
                incident_services.log_change(
                    incident=alert.incident,
                    by=None,
                    text=f"No acknowledgement {step.after_minutes} minutes after the alert: escalated to the "
                    f"{role.label.lower()}." + (f" {taken.note}" if taken.note else ""),
                )
            return 1
    except IntegrityError:
        return 0


def _how_late(alert: Alert, step: Step, now: datetime) -> str:
    """The step's note on its lateness, for the panel and the timeline: when attempts before it failed (the
    panel stops showing the failures once the step goes through), or when it is taken well after its time
    with none failed (no run took it: the alerts worker not running, say). Empty for a step on time."""
    overdue = now - alert.raised_at - timedelta(minutes=step.after_minutes)
    late = int(overdue.total_seconds() // 60)
    failures = alert.escalation_failures
    if failures:
        why = f"{f'the {failures} attempts' if failures > 1 else 'the attempt'} before it failed "
        why += f"({alert.escalation_error})"
    elif overdue >= LATE_ENOUGH_TO_SAY:
        why = "no escalation run took it at its time (the alerts worker may have stopped)"
    else:
        return ""
    return f"Taken {_how_long(late) if late else 'less than a minute'} late: {why}."


def _how_long(minutes: int) -> str:
    """A while in words: minutes up to two hours, whole hours after (a step the worker took a day late)."""
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{minutes // 60} hours"


def _record_escalation_failure(*, alert_id: int, error: Exception, now: datetime) -> None:
    """Keep on the alert that an escalation attempt failed, so the alert panel says so until a step goes
    through. Only the kind of error is kept, as its message may name people or their numbers; a run tried
    again (the database was busy) counts once."""
    Alert.objects.filter(pk=alert_id, acknowledged_at__isnull=True).exclude(escalation_failed_at=now).update(
        escalation_failed_at=now,
        escalation_failures=F("escalation_failures") + 1,
        escalation_error=type(error).__name__[:100],
    )


def _why_no_one_is_on_duty(partnership, role: DutyRole, now: datetime) -> str:
    """The step's note when no one on duty could be alerted: a gap in the rota, or who is on it and why they
    cannot be alerted, so the coordinators know what to put right."""
    rostered = selectors.on_rota(partnership, role, now)
    if rostered is None:
        return f"No one is on the rota as {role.label.lower()} now."
    why = (
        "their account is switched off"
        if not rostered.person.is_active
        else "they are no longer a coordinator or responder of the partnership"
    )
    return f"{rostered.person} is on the rota as {role.label.lower()} but cannot be alerted: {why}."


def escalate_alerts(*, now: datetime | None = None, attempts: int = 6) -> int:
    """Take every escalation step that is due for alerts no one has acknowledged, and alert whoever has come
    on duty in a role whose step was taken before them; returns how many steps and people that was.

    Safe to run at any time and as often as wanted, by several workers at once: each step is taken once. A run
    that finds the database busy (another run holding it, SQLite's lock, a PostgreSQL deadlock) tries again
    shortly, which alerts no one twice, as every step already taken is claimed.
    """
    now = now or timezone.now()  # the run's moment, kept when it is tried again: a failure counts once
    for attempt in range(1, attempts + 1):
        try:
            return _escalate(now)
        except OperationalError as error:
            if attempt == attempts:
                _record_run_given_up(error, now)
                raise
            logger.warning("The database was busy during an escalation run; trying again (%s)", attempt)
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    return 0


def _waiting():
    """The alerts no one has acknowledged, of incidents not closed, oldest first, however long they have
    waited (the alerts worker stopped for a day, say): their state alone bounds what a run reads. Each with
    its steps taken and who it reached, read for all of them at once, so a run costs the same few queries
    however many alerts wait."""
    return (
        Alert.objects.filter(acknowledged_at__isnull=True)
        .exclude(incident__status=IncidentStatus.CLOSED)
        .select_related("partnership")
        .prefetch_related(
            Prefetch("steps", queryset=AlertStep.objects.all()),
            Prefetch("recipients", queryset=AlertRecipient.objects.only("alert_id", "user_id")),
        )
        .order_by("raised_at")
    )


def _due_steps(now: datetime) -> Iterator[tuple[Alert, list[Step]]]:
    """Each alert no one has acknowledged, with the steps of its partnership's policy that are due and not
    yet taken, oldest alert first."""
    policies: dict[int, list[Step]] = {}
    for alert in _waiting():
        if alert.partnership_id not in policies:
            policies[alert.partnership_id] = selectors.escalation_steps(alert.partnership)
        done = {step.duty_role for step in alert.steps.all()}
        due = [
            step
            for step in policies[alert.partnership_id]
            if step.duty_role not in done and alert.raised_at + timedelta(minutes=step.after_minutes) <= now
        ]
        if due:
            yield alert, due


def _escalate(now: datetime) -> int:
    taken = 0
    for alert, due in _due_steps(now):
        for step in due:
            try:
                taken += _take_step(alert_id=alert.pk, step=step, now=now)
            except OperationalError:
                raise  # the database was busy: the whole run is tried again
            except Exception as error:
                # One alert's unforeseen error must not leave every alert after it unescalated: the step is
                # tried again by the next run, the error is logged for the operators, and the alert keeps
                # that it failed, for the partnership to see on its panel.
                logger.exception("Escalating alert %s failed; the next run tries again", alert.pk)
                _record_escalation_failure(alert_id=alert.pk, error=error, now=now)
                break
    for alert, step in _came_on_duty(now):
        try:
            taken += _alert_on_coming_on_duty(alert_id=alert.pk, step_id=step.pk, now=now)
        except OperationalError:
            raise
        except Exception as error:
            # Logged for the operators and tried again by the next run, as a step is; it holds up no other,
            # and the step keeps that it failed, for the panel to say they have not been alerted.
            logger.exception("Alerting whoever came on duty for alert %s failed; retried next run", alert.pk)
            _record_came_on_duty_failure(step_id=step.pk, error=error, now=now)
    return taken


def _came_on_duty(now: datetime) -> Iterator[tuple[Alert, AlertStep]]:
    """Each alert no one has acknowledged with each of its steps taken whose role has someone on duty now
    not alerted for it: they came on duty after the step (a handover, a cover, the next shift), and would
    otherwise never hear of the alert. Read without locks: ``_alert_on_coming_on_duty`` checks again."""
    on_duty: dict[tuple[int, str], int | None] = {}
    for alert in _waiting():
        steps = list(alert.steps.all())
        if not steps:
            continue
        alerted = {recipient.user_id for recipient in alert.recipients.all()}
        for step in steps:
            key = (alert.partnership_id, step.duty_role)
            if key not in on_duty:
                shift = selectors.on_duty(alert.partnership, step.duty_role, now)
                on_duty[key] = shift.person_id if shift else None
            # A step whose last attempt failed is tried again even with no one left to alert: it clears it.
            if (on_duty[key] is not None and on_duty[key] not in alerted) or step.came_on_duty_failures:
                yield alert, step


def _alert_on_coming_on_duty(*, alert_id: int, step_id: int, now: datetime) -> int:
    """Alert whoever is on duty now in the role of an alert's step taken before they came on, once: the
    alert's row is locked and their recipient row (one per alert and person) is the claim, so a second run
    at the same moment finds them alerted. Nothing once the alert is acknowledged or its incident closed.
    Whatever the outcome, the step's failures to alert them are cleared: nobody is left waiting for it."""
    try:
        with transaction.atomic():
            alert = _alert_locked(alert_id)
            step = AlertStep.objects.get(pk=step_id)
            failures, error = step.came_on_duty_failures, step.came_on_duty_error
            if failures:
                step.came_on_duty_failed_at, step.came_on_duty_failures, step.came_on_duty_error = None, 0, ""
                step.save(
                    update_fields=["came_on_duty_failed_at", "came_on_duty_failures", "came_on_duty_error"]
                )
            if alert.acknowledged_at is not None or alert.incident.status == IncidentStatus.CLOSED:
                return 0
            role = DutyRole(step.duty_role)
            shift = selectors.on_duty(alert.partnership, role, now)
            if shift is None:
                return 0
            reason = CAME_ON_DUTY_REASON.format(role=role.label.lower())
            if not _alert_people(alert, step, [(shift.person, reason)], now, came_on_duty=True):
                return 0  # alerted already, by another run or another way
            after = f", after {_failed_attempts(failures)} ({error})" if failures else ""
            step.note = (
                f"{step.note} {shift.person} came on duty as {role.label.lower()} while the alert was "
                f"waiting, and was alerted at {timezone.localtime(now):%H:%M}{after}."
            ).strip()
            step.save(update_fields=["note"])
            return 1
    except IntegrityError:
        return 0


def _failed_attempts(count: int) -> str:
    return f"{count} failed attempt{'' if count == 1 else 's'}"


def _record_came_on_duty_failure(*, step_id: int, error: Exception, now: datetime) -> None:
    """Keep on the step that alerting whoever came on duty in its role failed, so the alert panel says so
    until it goes through. The kind of error alone, as its message may name people; a run tried again counts
    once."""
    AlertStep.objects.filter(pk=step_id).exclude(came_on_duty_failed_at=now).update(
        came_on_duty_failed_at=now,
        came_on_duty_failures=F("came_on_duty_failures") + 1,
        came_on_duty_error=type(error).__name__[:100],
    )


def _record_run_given_up(error: OperationalError, now: datetime) -> None:
    """A run that found the database busy every time it tried leaves each alert whose step it did not take
    marked as failing, and each step whose role has someone who came on duty it did not alert, as an
    unforeseen error would, so the panel says so rather than falling silent. The database may still be busy:
    then the log is all there is, and the panel shows a step overdue once its grace has gone."""
    try:
        for alert, _due in _due_steps(now):
            _record_escalation_failure(alert_id=alert.pk, error=error, now=now)
        for _alert, step in _came_on_duty(now):
            _record_came_on_duty_failure(step_id=step.pk, error=error, now=now)
    except OperationalError:
        logger.exception("The database was still busy; the failed escalation run is not kept on the alerts")


def remind_partners_not_told(*, now: datetime | None = None) -> int:
    """Remind whoever took each alert (the incident's lead and whoever acknowledged it; the coordinators
    when no one did, or neither may be told now) that no partner has been told three quarters of an hour
    on (a notice that reached no one tells no one), and what that waits for. Once per alert, whatever the
    number of runs at once: the alert's reminder time, set first, is the claim. However late (the alerts
    worker stopped for a day, say), an alert not reminded yet is reminded. Returns how many alerts'
    reminders were sent."""
    now = now or timezone.now()
    due = (
        Alert.objects.filter(
            partners_reminder_sent_at__isnull=True, raised_at__lte=now - PARTNERS_REMINDER_AFTER
        )
        .exclude(incident__status="closed")
        .exclude(incident__in=incident_selectors.partners_told().values("incident_id"))
        .order_by("raised_at")
        .values_list("pk", flat=True)
    )
    return sum(_remind_partners_not_told(alert_id, now) for alert_id in due)


@transaction.atomic
def _remind_partners_not_told(alert_id: int, now: datetime) -> int:
    if not Alert.objects.filter(pk=alert_id, partners_reminder_sent_at__isnull=True).update(
        partners_reminder_sent_at=now
    ):
        return 0  # another run has reminded them
    alert = Alert.objects.select_related("incident__partnership", "partnership", "acknowledged_by").get(
        pk=alert_id
    )
    incident = alert.incident
    waiting = selectors.partners_not_told(alert=alert, incident=incident, now=now)
    if waiting is None:
        return 0  # told, or closed, since the run read it
    lead = incident_selectors.answering_lead(incident)
    acknowledged_by = alert.acknowledged_by
    if acknowledged_by not in selectors.response_team(alert.partnership):
        acknowledged_by = None  # left the team, or switched off, since
    took_it = [person for person in (lead and lead.officer, acknowledged_by) if person is not None]
    people = list(dict.fromkeys(took_it)) or selectors.coordinators_of(alert.partnership)
    reason = (
        "you lead the incident or acknowledged its alert"
        if took_it
        else "a coordinator: no one who took the alert could be reminded"
    )
    context = {
        "alert": alert,
        "incident": incident,
        "waiting": waiting,
        "waited": _how_long(int((now - alert.raised_at).total_seconds() // 60)),
        "reason": reason,
        "incident_link": _link_to(incident, "incidents:incident"),
        "categorise_link": _link_to(incident, "incidents:categorise"),
        "lead_link": _link_to(incident, "incidents:lead"),
        "partners_link": _link_to(incident, "incidents:partners"),
    }
    reminder = f"{incident.exercise_prefix}REMINDER {incident.reference}: no partner told yet"
    messaging.send(
        kind="partners_not_told",
        subject=reminder,
        body=render_to_string("alerts/email/partners_not_told.txt", context),
        sms_text=f"{reminder}; they are to hear by {timezone.localtime(waiting['due_at']):%H:%M}. "
        + (
            f"Waiting for {waiting['waiting_for']}. "
            if waiting["waiting_for"]
            else "Their notices reached no one: send them again. "
            if waiting["not_reached"]
            else ""
        )
        + context["incident_link"],
        recipients=[messaging.recipient_for_user(person) for person in people],
        urgency=Urgency.ALERT,
        partnership=alert.partnership,
        incident=incident,
        dedupe_key=selectors.partners_reminder_key(alert.pk),
    )
    incident_services.log_change(
        incident=incident,
        by=None,
        text=f"No partner told {context['waited']} after the alert: "
        + (
            f"reminded {', '.join(str(person) for person in people)}."
            if people
            else "no one could be reminded."
        ),
    )
    return 1


def _link_to(incident, page: str) -> str:
    return settings.SITE_URL + reverse(page, args=[incident.pk])


# --- Acknowledging, leading, launching -----------------------------------------------------------------


def why_withdrawn(alert) -> str:
    """Why an acknowledged alert's texts and emails still waiting are not sent (the messages pages show it):
    for its recipients' here, and for those of anyone else told of it (the region's duty contacts)."""
    return f"the alert was acknowledged by {alert.acknowledged_by} at {_when(alert.acknowledged_at)}"


def unacknowledged_alert_of(incident) -> Alert | None:
    return Alert.objects.filter(incident=incident, acknowledged_at__isnull=True).first()


def why_withdrawn_at_closing(incident) -> str:
    """Why the texts and emails still waiting of an alert nobody acknowledged are not sent once its incident
    is closed: for its recipients' here, and for the region's duty contacts'."""
    return f"the incident was closed at {_when(incident.closed_at)}, before anyone acknowledged it"


def withdraw_unacknowledged_alert(*, incident) -> None:
    """An incident closed before anyone acknowledged its alert: escalation stops at closing and nobody more is
    alerted, so its texts and emails still waiting are not sent (their link no longer works), saying why."""
    alert = unacknowledged_alert_of(incident)
    if alert is None:
        return
    messaging.withdraw(
        notification_ids=alert.recipients.filter(notification__isnull=False).values_list(
            "notification_id", flat=True
        ),
        because=why_withdrawn_at_closing(incident),
    )


@transaction.atomic
def acknowledge(*, alert, by, recipient=None, via: str = "page", request=None) -> bool:
    """Record that ``by`` has the alert in hand: escalation stops, and the alert's texts and emails not sent
    yet are not sent. Returns whether this was the first acknowledgement (a later one is kept on the person's
    own line only)."""
    alert = _alert_locked(alert.pk)
    now = timezone.now()
    if recipient is None:
        recipient = AlertRecipient.objects.filter(alert=alert, user=by).first()
    if recipient is not None:
        AlertRecipient.objects.filter(pk=recipient.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
    if alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at = now
    alert.acknowledged_by = by
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    # Someone has it in hand: an alert text or email still waiting for a retry would only confuse, or wake a
    # second person at night.
    messaging.withdraw(
        notification_ids=alert.recipients.filter(notification__isnull=False).values_list(
            "notification_id", flat=True
        ),
        because=why_withdrawn(alert),
    )
    incident_services.log_change(
        incident=alert.incident,
        by=by,
        text=f"Alert acknowledged by {by}"
        + (" through the link in the alert" if via == "link" else "")
        + f", {int((now - alert.raised_at).total_seconds() // 60)} minutes after it was raised. "
        "Escalation stopped.",
    )
    record_updated(by=by, target=alert, request=request, acknowledged=True, via=via)
    events.publish_acknowledged(alert=alert)
    return True


@transaction.atomic
def accept_lead(*, alert, by, organisation, request=None):
    """``by`` leads the response for ``organisation``: the lead is recorded, which takes the alert
    (``take_lead``: acknowledged, the incident on to assessing, the launch protocol if it is categorised)."""
    incident = alert.incident
    alert = _locked_alert(incident)
    if alert.lead_accepted_at is not None:
        raise DomainError(f"{alert.lead_accepted_by} has already taken the lead.")
    if organisation is None:
        raise DomainError("You need an organisation in this partnership to lead a response.")
    return incident_services.assign_lead(
        incident=incident, organisation=organisation, officer=by, by=by, request=request
    )


def _locked_alert(incident) -> Alert | None:
    """The incident's alert (None if it was not raised as one), locked, with the incident's status read
    afresh under a lock on the incident taken first. Every service here locks the two in that order, the
    order a categorisation moving the status on takes them, so a lead and a categorisation at once never wait
    for each other for ever. Within a transaction."""
    incident.status = (
        incident_services.locked_incidents().values_list("status", flat=True).get(pk=incident.pk)
    )
    return Alert.objects.select_for_update().filter(incident=incident).first()


def take_lead(*, incident, lead, by, request=None) -> None:
    """A lead named for an incident raised as an alert, by "I will lead" or on the Lead page, has taken it:
    the alert is acknowledged (escalation stops), the incident moves on from alerted to assessing, ready for
    categorisation, and, if it is categorised already, the launch protocol runs now. A later lead is a
    handover: the lead was taken already. Runs inside the lead's transaction."""
    alert = _locked_alert(incident)
    if alert is None or alert.lead_accepted_at is not None:
        return
    acknowledge(alert=alert, by=by, request=request)
    Alert.objects.filter(pk=alert.pk).update(lead_accepted_at=timezone.now(), lead_accepted_by=lead.officer)
    if incident.status == IncidentStatus.ALERTED:
        incident_services.change_status(
            incident=incident,
            by=by,
            status=IncidentStatus.ASSESSING,
            status_seen=IncidentStatus.ALERTED,
            request=request,
        )
    categorisation = incident_selectors.current_categorisation(incident)
    if categorisation is not None:
        run_launch_protocol(incident=incident, categorisation=categorisation, by=by, request=request)


def run_launch_protocol_for_new_facts(*, incident, by) -> list:
    """A fact learned after the protocol ran (a young victim, a police declaration) may call for partners not
    told yet: they are asked and told as on a categorisation, and the timeline says so only when someone
    was. Nothing for an incident not raised as an alert, without its lead or without a categorisation."""
    if not Alert.objects.filter(incident=incident, lead_accepted_at__isnull=False).exists():
        return []
    categorisation = incident_selectors.current_categorisation(incident)
    if categorisation is None:
        return []
    return run_launch_protocol(incident=incident, categorisation=categorisation, by=by, only_if_new=True)


def run_launch_protocol(*, incident, categorisation, by, request=None, only_if_new=False) -> list:
    """Once an incident raised as an alert has both a categorisation and a lead (whichever came second:
    ``take_lead`` or a categorisation), and on each later categorisation: ask the organisations that the
    category calls for to take part (through their contact with an email address) and tell every partner not
    told yet (``inform_partners`` tells each once). Runs inside that change's transaction; returns the
    participations told."""
    # Locked, as ``take_lead`` locks it, and only then read: of a categorisation and a lead saved at once,
    # the second to take the lock sees the first, so the protocol runs.
    alert = _locked_alert(incident)
    if alert is None or alert.lead_accepted_at is None:
        return []
    # The category a launch rule names may be any condition the plan uses (a child harmed, a gold group...).
    called_for = selectors.organisations_called_for(incident.partnership, met_for(incident))
    if not called_for:
        return []
    taking_part = {p.organisation_id: p for p in incident.participations.all()}
    added = 0
    for organisation in called_for:
        participation = taking_part.get(organisation.pk)
        if participation is not None and participation.contact_id is not None:
            continue
        contact = selectors.contact_to_inform(organisation)
        if participation is not None and contact is None:
            continue
        incident_services.add_participant(
            incident=incident, organisation=organisation, contact=contact, by=by, request=request
        )
        added += 1
    informed = incident_services.inform_partners(incident=incident, by=by, request=request)
    if only_if_new and not (added or informed):
        return informed
    unreachable = [
        p.organisation.name
        for p in incident.participations.filter(informed_at__isnull=True).select_related("organisation")
        if p.organisation in called_for
    ]
    incident_services.log_change(
        incident=incident,
        by=by,
        text="Launch protocol: the categorisation calls for "
        + ", ".join(o.name for o in called_for)
        + "."
        + (f" No contact with an email address for: {', '.join(unreachable)}." if unreachable else ""),
    )
    return informed


# --- The rota ------------------------------------------------------------------------------------------


def _check_on_team(partnership, person, field="person") -> None:
    if person is None or not access.may_be_on_duty(person, partnership) or not person.is_active:
        raise DomainError(
            "Only coordinators and responders of the partnership can be on the rota: they see and may lead "
            "every incident.",
            field=field,
        )


def _check_times(starts_at, ends_at) -> None:
    if ends_at <= starts_at:
        raise DomainError("The shift must end after it starts.", field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError("A shift can be at most 7 days long: add the next one separately.", field="ends_at")


@transaction.atomic
def add_shift(
    *, partnership, person, role, starts_at, ends_at, out_of_hours_number="", note="", by, request=None
) -> DutyShift:
    """Put someone on the rota. Two ordinary shifts of one role cannot overlap (hand over or cover instead),
    so there is never doubt about who is on duty."""
    _check_on_team(partnership, person)
    _check_times(starts_at, ends_at)
    check_phone_number(number=out_of_hours_number, field="out_of_hours_number")
    # One change to the rota at a time, so two overlapping shifts cannot be added at once.
    take_turns_in(partnership)
    clash = (
        DutyShift.objects.filter(
            partnership=partnership,
            role=role,
            covers__isnull=True,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .select_related("person")
        .first()
    )
    if clash is not None:
        raise DomainError(
            f"{clash.person} is on duty as {DutyRole(role).label.lower()} from {_when(clash.starts_at)} to "
            f"{_when(clash.ends_at)}: hand over or cover that shift instead.",
            field="starts_at",
        )
    shift = DutyShift.objects.create(
        partnership=partnership,
        person=person,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        out_of_hours_number=out_of_hours_number.strip(),
        note=note.strip(),
        created_by=by,
    )
    record_created(by=by, target=shift, request=request)
    return shift


@transaction.atomic
def hand_over_shift(
    *,
    shift,
    to,
    expected_revision: int | None,
    out_of_hours_number="",
    note="",
    by,
    at=None,
    request=None,
) -> DutyShift:
    """``to`` takes over the rest of ``shift`` from now (or all of it, if it has not started). Compare-and-set
    on the shift's revision as the page showed it, before anything else: a shift someone else handed over (or
    changed) meanwhile is refused (EditConflict) rather than handed over again over theirs."""
    now = at or timezone.now()
    update_if_unchanged(
        shift,
        expected_revision=expected_revision,
        conflict_message="Someone else handed over or changed this shift while you were handing it over.",
    )
    if shift.ends_at <= now:
        raise DomainError("This shift has ended already.")
    if to is not None and to.pk == shift.person_id:
        raise DomainError(f"{to} is already on this shift: choose who takes over.", field="to")
    _check_on_team(shift.partnership, to, field="to")
    check_phone_number(number=out_of_hours_number, field="out_of_hours_number")
    number = out_of_hours_number.strip() or ""
    if shift.starts_at >= now:
        before = shift.person
        shift.person, shift.out_of_hours_number, shift.note = to, number, note.strip()
        shift.save(update_fields=["person", "out_of_hours_number", "note"])
        taking_over = shift
    else:
        taking_over = DutyShift.objects.create(
            partnership=shift.partnership,
            person=to,
            role=shift.role,
            starts_at=now,
            ends_at=shift.ends_at,
            out_of_hours_number=number,
            note=note.strip(),
            covers=shift.covers,
            handed_over_from=shift,
            created_by=by,
        )
        before = shift.person
        shift.ends_at = now
        shift.save(update_fields=["ends_at"])
        # A cover not over yet stands in for the rest of the shift, which is now theirs who took it over.
        DutyShift.objects.filter(covers=shift, ends_at__gt=now).update(covers=taking_over)
    record_updated(
        by=by,
        partnership=shift.partnership,
        target=taking_over,
        request=request,
        handed_over_from=before.email,
        to=to.email,
    )
    return taking_over


@transaction.atomic
def cover_shift(
    *, shift, person, starts_at, ends_at, out_of_hours_number="", note="", by, request=None
) -> DutyShift:
    """``person`` stands in for part of ``shift`` (an appointment, an evening off)."""
    _check_on_team(shift.partnership, person)
    _check_times(starts_at, ends_at)
    check_phone_number(number=out_of_hours_number, field="out_of_hours_number")
    if person.pk == shift.person_id:
        raise DomainError(f"{person} is on this shift already: choose who covers it.", field="person")
    if starts_at < shift.starts_at or ends_at > shift.ends_at:
        raise DomainError(
            f"A cover must fall within the shift it covers, {_when(shift.starts_at)} to "
            f"{_when(shift.ends_at)}.",
            field="starts_at",
        )
    cover = DutyShift.objects.create(
        partnership=shift.partnership,
        person=person,
        role=shift.role,
        starts_at=starts_at,
        ends_at=ends_at,
        out_of_hours_number=out_of_hours_number.strip(),
        note=note.strip(),
        covers=shift,
        created_by=by,
    )
    record_created(by=by, partnership=shift.partnership, target=cover, request=request)
    return cover


# --- Alert list, escalation policy, launch protocol ----------------------------------------------------


@transaction.atomic
def add_to_alert_list(*, partnership, user, by, request=None) -> AlertListMember:
    _check_on_team(partnership, user, field="user")
    entry, created = AlertListMember.objects.get_or_create(
        partnership=partnership, user=user, defaults={"added_by": by}
    )
    if not created:
        raise DomainError(f"{user} is on the alert list already.", field="user")
    record_created(by=by, partnership=partnership, target=entry, request=request)
    return entry


@transaction.atomic
def remove_from_alert_list(*, entry, by, request=None) -> None:
    record_deleted(by=by, target=entry, request=request)
    entry.delete()


@transaction.atomic
def remove_former_member_from_alert_list(*, user, partnership, by, request=None) -> None:
    """Someone taken out of the partnership leaves its alert list (in the removal's transaction), so being
    invited back does not put them on it again unasked, and is sent none of its alerts' messages still
    waiting."""
    for entry in AlertListMember.objects.filter(partnership=partnership, user=user):
        remove_from_alert_list(entry=entry, by=by, request=request)
    withdraw_alerts_to_former_team_member(user=user, partnership=partnership)


def withdraw_alerts_to_former_team_member(*, user, partnership) -> None:
    """Someone no longer on the partnership's response team (removed, or given another role) is sent none of
    its alerts' texts and emails still waiting, as they would not be alerted now."""
    messaging.withdraw_deliveries_to(
        recipient=user,
        among=Q(notification__partnership=partnership, notification__urgency=Urgency.ALERT),
        because=f"Not sent: {user} is no longer on the partnership's response team.",
    )


def check_escalation_steps(*, after_minutes: dict) -> dict:
    """The rules of an escalation policy, wherever it is written (its page, the Django admin): minutes after
    the alert for each duty role (None: never alerted) within bounds, and someone alerted at once. Returns the
    roles chosen and their minutes."""
    chosen = {DutyRole(role): minutes for role, minutes in after_minutes.items() if minutes is not None}
    for role, minutes in chosen.items():
        if not 0 <= minutes <= MAX_ESCALATION_MINUTES:
            raise DomainError(
                f"Give a number of minutes from 0 to {MAX_ESCALATION_MINUTES}.", field=role.value
            )
    if 0 not in chosen.values():
        raise DomainError(
            "Someone must be alerted at once: give 0 minutes for at least one role (usually the duty "
            "officer).",
            field=DutyRole.DUTY_OFFICER.value,
        )
    return chosen


@transaction.atomic
def set_escalation_policy(
    *, partnership, after_minutes: dict, by, expected_revision: int | None = 1, request=None
) -> EscalationPolicy:
    """Replace the partnership's policy: minutes after the alert for each duty role (None: never alerted).
    Compare-and-set on the policy's revision (the shipped default's is 1; the first save moves it on, as
    every save does), so two people saving at once never overwrite each other."""
    chosen = check_escalation_steps(after_minutes=after_minutes)
    policy, created = EscalationPolicy.objects.get_or_create(
        partnership=partnership, defaults={"updated_by": by, "revision": 2}
    )
    if not created:
        update_if_unchanged(policy, expected_revision=expected_revision, updated_by=by)
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create(
        EscalationStep(policy=policy, duty_role=role, after_minutes=minutes)
        for role, minutes in chosen.items()
    )
    record_updated(
        by=by,
        partnership=partnership,
        target=policy,
        request=request,
        steps={role.value: minutes for role, minutes in chosen.items()},
    )
    return policy


def adopt_shipped_protocol(partnership, by) -> LaunchProtocol:
    """The partnership's stored protocol; the first change starts it from the shipped one."""
    protocol, created = LaunchProtocol.objects.get_or_create(
        partnership=partnership, defaults={"updated_by": by}
    )
    if created:
        LaunchRule.objects.bulk_create(
            LaunchRule(protocol=protocol, category=rule.category, organisation_kind=rule.organisation_kind)
            for rule in default_launch_rules()
        )
    return protocol


@transaction.atomic
def add_launch_rule(*, partnership, category, organisation_kind="", organisation=None, by, request=None):
    if bool(organisation_kind) == (organisation is not None):
        raise DomainError(
            "Choose a kind of organisation or one organisation, not both.", field="organisation_kind"
        )
    if category != ANY_CATEGORY and category not in selectors.category_labels():
        raise DomainError("Choose a category from the list.", field="category")
    if organisation is not None and organisation.partnership_id != partnership.pk:
        raise DomainError("Choose an organisation of this partnership.", field="organisation")
    protocol = adopt_shipped_protocol(partnership, by)
    rule, created = LaunchRule.objects.get_or_create(
        protocol=protocol, category=category, organisation_kind=organisation_kind, organisation=organisation
    )
    if not created:
        raise DomainError("The protocol has this rule already.", field="category")
    LaunchProtocol.objects.filter(pk=protocol.pk).update(updated_by=by, updated_at=timezone.now())
    record_created(by=by, partnership=partnership, target=rule, request=request)
    return rule


@transaction.atomic
def remove_launch_rule(*, rule, by, request=None) -> None:
    partnership = rule.protocol.partnership
    record_deleted(by=by, partnership=partnership, target=rule, request=request)
    rule.delete()
