"""Reading the rota, the alerting set-up and the alerts, always for one partnership."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Role, User
from svtoolkit.accounts.selectors import holding_token
from svtoolkit.alerts.defaults import ANY_CATEGORY, Rule, Step, default_escalation, default_launch_rules
from svtoolkit.alerts.models import (
    Alert,
    AlertListMember,
    AlertRecipient,
    AlertStep,
    DutyRole,
    DutyShift,
    EscalationPolicy,
    LaunchProtocol,
)
from svtoolkit.incidents import selectors as incident_selectors
from svtoolkit.messaging import services as messaging
from svtoolkit.messaging.models import Channel, Delivery, DeliveryStatus
from svtoolkit.partnerships.models import Organisation, OrganisationKind
from svtoolkit.playbooks.default import default_vocabularies

# The escalation is run each minute: a step not taken this long after its time has stalled.
ESCALATION_GRACE = timedelta(minutes=3)
# The first minutes' promise: partners hear of an incident within the hour of its alert.
PARTNERS_TOLD_WITHIN = timedelta(hours=1)

# --- The rota ------------------------------------------------------------------------------------------


def _effective(shifts: list[DutyShift]) -> DutyShift | None:
    """Of the shifts running at one moment in one role, the one whose person is on duty: a cover stands in for
    the shift it covers; otherwise the one that started last (a handover's new shift)."""
    if not shifts:
        return None
    return sorted(shifts, key=lambda shift: (shift.is_cover, shift.starts_at, shift.pk))[-1]


def on_rota(partnership, role: str, at: datetime) -> DutyShift | None:
    """The shift the rota names for ``role`` at ``at``, whether or not its person can be alerted."""
    running = DutyShift.objects.filter(
        partnership=partnership, role=role, starts_at__lte=at, ends_at__gt=at
    ).select_related("person")
    return _effective(list(running))


def on_duty(partnership, role: str, at: datetime) -> DutyShift | None:
    """The shift of whoever is on duty in ``role`` at ``at``, or None when the rota has a gap. Someone on the
    rota who cannot be alerted (their account switched off, or no longer on the response team) is a gap too:
    an alert must go to someone who gets it, so the coordinators stand in as they do for an empty rota."""
    shift = on_rota(partnership, role, at)
    if shift is None or not response_team(partnership).filter(pk=shift.person_id).exists():
        return None
    return shift


def next_on_duty(
    partnership, role: str, current: DutyShift | None, at: datetime
) -> tuple[DutyShift | None, datetime | None]:
    """Who comes on next in ``role`` after ``at``, and from when: the first moment after ``at`` that the
    rota names another shift than ``current`` (a cover coming on within the current shift, the shift it
    covers resuming, the shift after it, or in a gap the next shift to start); ``(None, None)`` when none
    does."""
    # Who is on duty changes only as a shift starts or ends. Worked out from the shifts read once, as
    # ``on_duty`` would at each of those moments: a rota of months to come costs two queries, not two a shift.
    shifts = list(
        DutyShift.objects.filter(partnership=partnership, role=role, ends_at__gt=at).select_related("person")
    )
    alertable = set(
        response_team(partnership)
        .filter(pk__in={shift.person_id for shift in shifts})
        .values_list("pk", flat=True)
    )
    for moment in sorted(
        {moment for shift in shifts for moment in (shift.starts_at, shift.ends_at) if moment > at}
    ):
        coming = _effective([shift for shift in shifts if shift.starts_at <= moment < shift.ends_at])
        if (
            coming is not None
            and coming.person_id in alertable
            and (current is None or coming.pk != current.pk)
        ):
            return coming, moment
    return None, None


@dataclass
class DutyPosition:
    role: str
    label: str
    now: DutyShift | None
    next: DutyShift | None
    next_from: datetime | None


def rota_now_and_next(partnership, *, at: datetime | None = None) -> list[DutyPosition]:
    """For each duty role: who is on duty now and who is next."""
    at = at or timezone.now()
    positions = []
    for role in DutyRole:
        current = on_duty(partnership, role, at)
        positions.append(
            DutyPosition(role, role.label, current, *next_on_duty(partnership, role, current, at))
        )
    return positions


def shifts_ahead(partnership, *, at: datetime | None = None, days: int = 14) -> list[DutyShift]:
    """Shifts running now or starting in the next ``days`` days, in order (the rota page's table)."""
    at = at or timezone.now()
    return list(
        DutyShift.objects.filter(
            partnership=partnership, ends_at__gt=at, starts_at__lt=at + timedelta(days=days)
        )
        .select_related("person", "covers__person")
        .order_by("starts_at", "role", "id")
    )


def shift_in(partnership, shift_id) -> DutyShift:
    return get_object_or_404(DutyShift.objects.select_related("person"), pk=shift_id, partnership=partnership)


def _members_in_roles(partnership, roles):
    """The people who can be alerted as members of ``partnership`` in ``roles``: their account is on and their
    membership, as it is now, has one of the roles."""
    return User.objects.filter(
        is_active=True, memberships__partnership=partnership, memberships__role__in=roles
    )


def response_team(partnership):
    """The members who may be on the rota and the alert list, and so be alerted: coordinators and responders.
    Read when alerting, so someone removed or given another role since they were put there is not alerted."""
    return (
        _members_in_roles(partnership, access.RESPONSE_TEAM_ROLES).distinct().order_by("full_name", "email")
    )


def coordinators_of(partnership) -> list[User]:
    return list(_members_in_roles(partnership, [Role.COORDINATOR]).order_by("full_name"))


# --- Alert list, escalation policy, launch protocol ----------------------------------------------------


def alert_list(partnership) -> list[AlertListMember]:
    return list(
        AlertListMember.objects.filter(partnership=partnership, user__in=response_team(partnership))
        .select_related("user")
        .order_by("user__full_name")
    )


def alert_list_entry(partnership, entry_id) -> AlertListMember:
    return get_object_or_404(
        AlertListMember.objects.select_related("user"), pk=entry_id, partnership=partnership
    )


def escalation_steps(partnership) -> list[Step]:
    """The partnership's escalation policy, earliest step first (the shipped one until it sets its own)."""
    policy = EscalationPolicy.objects.filter(partnership=partnership).first()
    if policy is None:
        steps = default_escalation()
    else:
        steps = [Step(step.duty_role, step.after_minutes) for step in policy.steps.all()]
    return sorted(steps, key=lambda step: (step.after_minutes, list(DutyRole.values).index(step.duty_role)))


def escalation_policy_revision(partnership) -> int:
    """The revision of the partnership's policy as its page shows it: 1 for the shipped default."""
    policy = EscalationPolicy.objects.filter(partnership=partnership).values_list("revision", flat=True)
    return policy.first() or 1


def launch_rules(partnership) -> list[Rule]:
    """The partnership's launch protocol (the shipped one until it sets its own)."""
    protocol = LaunchProtocol.objects.filter(partnership=partnership).first()
    if protocol is None:
        return default_launch_rules()
    return [
        Rule(
            category=rule.category,
            organisation_kind=rule.organisation_kind,
            organisation_id=rule.organisation_id,
        )
        for rule in protocol.rules.all()
    ]


def launch_protocol_rows(partnership) -> list:
    """The stored rules, with their organisations, for the protocol page (empty while the default applies)."""
    protocol = LaunchProtocol.objects.filter(partnership=partnership).first()
    return list(protocol.rules.select_related("organisation")) if protocol else []


def category_labels() -> dict[str, str]:
    return {ANY_CATEGORY: "Every categorisation", **default_vocabularies()["categories"]}


def describe_rule(rule: Rule, organisations: dict[int, Organisation]) -> str:
    if rule.organisation_id:
        found = organisations.get(rule.organisation_id)
        return str(found) if found else "An organisation no longer in the directory"
    return f"Every {OrganisationKind(rule.organisation_kind).label.lower()} organisation"


def protocol_table(partnership) -> list[dict]:
    """The protocol as a person reads it: each category and whom it informs."""
    labels = category_labels()
    organisations = {o.pk: o for o in Organisation.objects.filter(partnership=partnership)}
    rows = []
    for rule in launch_rules(partnership):
        rows.append(
            {
                "category": labels.get(rule.category, rule.category),
                "informs": describe_rule(rule, organisations),
                "why": rule.why,
            }
        )
    return rows


def organisations_called_for(partnership, categories: set[str]) -> list[Organisation]:
    """The active organisations the launch protocol calls for when an incident is in ``categories``."""
    applying = [rule for rule in launch_rules(partnership) if rule.category in categories | {ANY_CATEGORY}]
    kinds = {rule.organisation_kind for rule in applying if rule.organisation_kind}
    ids = {rule.organisation_id for rule in applying if rule.organisation_id}
    if not kinds and not ids:
        return []
    return list(
        Organisation.objects.filter(partnership=partnership, is_active=True)
        .filter(Q(kind__in=kinds) | Q(pk__in=ids))
        .order_by("name")
    )


def contact_to_inform(organisation):
    """The contact an organisation is told through: its single point of contact with an email address first,
    then whoever comes first in its escalation order."""
    contacts = [c for c in organisation.contacts.filter(is_active=True).exclude(email="")]
    if not contacts:
        return None
    return sorted(
        contacts,
        key=lambda c: (
            c.incident_role != "spoc",
            c.escalation_order is None,
            c.escalation_order or 0,
            c.name,
        ),
    )[0]


# --- Alerts --------------------------------------------------------------------------------------------


def recipient_by_token(token: str) -> AlertRecipient | None:
    """The person alerted whose link this is, while it works: the incident is open and they are still on the
    response team of the alert's partnership (the link of someone removed since stops no escalation)."""
    still_open = AlertRecipient.objects.exclude(alert__incident__status="closed").select_related(
        "alert__incident__partnership", "user", "alert__acknowledged_by"
    )
    recipient = holding_token(still_open, token)
    if (
        recipient is None
        or not response_team(recipient.alert.partnership).filter(pk=recipient.user_id).exists()
    ):
        return None
    return recipient


def alert_of(incident) -> Alert | None:
    return (
        Alert.objects.filter(incident=incident).select_related("acknowledged_by", "lead_accepted_by").first()
    )


def partners_not_told(*, alert, incident, now: datetime | None = None) -> dict | None:
    """Whether an open incident raised as an alert has yet to tell any partner, by when it must (an hour
    after the alert), and what it waits for: the launch protocol tells them once the incident has both a
    categorisation and a lead; a partner whose notice reached no one (every delivery failed) is not told, and
    is named. None once a partner has been told, or for a closed incident."""
    if access.is_read_only(incident) or incident_selectors.partners_told().filter(incident=incident).exists():
        return None
    not_reached = sorted(
        incident.participations.filter(informed_at__isnull=False)
        .filter(incident_selectors.notice_reached_no_one())
        .values_list("organisation__name", flat=True)
    )
    needs_categorisation = incident_selectors.current_categorisation(incident) is None
    needs_lead = alert.lead_accepted_at is None
    due_at = alert.raised_at + PARTNERS_TOLD_WITHIN
    return {
        "due_at": due_at,
        "overdue": (now or timezone.now()) >= due_at,
        "needs_categorisation": needs_categorisation,
        "needs_lead": needs_lead,
        "waiting_for": " and ".join(
            missing
            for missing, needed in (("a categorisation", needs_categorisation), ("a lead", needs_lead))
            if needed
        ),
        "not_reached": not_reached,
        "reminded_at": alert.partners_reminder_sent_at,
        "reminder_reached": _partners_reminder_reached(alert),
    }


def partners_reminder_key(alert_id: int) -> str:
    """The once-only key of an alert's reminder that no partner has been told."""
    return f"alert-partners-not-told:{alert_id}"


def _partners_reminder_reached(alert) -> str:
    """How the reminder that no partner was told went, once sent: "no one" could be reminded (it was never
    queued), it "failed" (every delivery failed for good), or "someone" (it went, or is on its way)."""
    if alert.partners_reminder_sent_at is None:
        return ""
    statuses = set(
        Delivery.objects.filter(notification__dedupe_key=partners_reminder_key(alert.pk)).values_list(
            "status", flat=True
        )
    )
    if not statuses:
        return "no one"
    return "failed" if statuses == {DeliveryStatus.FAILED} else "someone"


def alert_panel(*, incident, user, partnership) -> dict | None:
    """The incident page's alert panel: who was alerted, when, at which step, how, whether it arrived, who
    acknowledged, and an escalation step that keeps failing. None for an incident that was not raised as an
    alert."""
    alert = alert_of(incident)
    if alert is None:
        return None
    steps = list(
        AlertStep.objects.filter(alert=alert)
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=AlertRecipient.objects.select_related("user", "notification").prefetch_related(
                    Prefetch("notification__deliveries", queryset=Delivery.objects.order_by("channel"))
                ),
            )
        )
        .order_by("after_minutes", "id")
    )
    texts_on = bool(messaging.settings_summary()["sms"])
    for recipient in (r for step in steps for r in step.recipients.all()):
        # An alert goes by text too: a person it reached by email only is shown so, and why, so that the
        # coordinators put it right before the next night.
        channels = (
            {d.channel for d in recipient.notification.deliveries.all()} if recipient.notification else ()
        )
        recipient.no_text = (
            ""
            if not channels or Channel.SMS in channels
            else "they had no mobile number when they were alerted"
            if texts_on
            else "text messages are not set up"
        )
    taken = {step.duty_role for step in steps}
    waiting = [
        {
            "label": DutyRole(step.duty_role).label,
            "at": alert.raised_at + timedelta(minutes=step.after_minutes),
        }
        for step in escalation_steps(alert.partnership)
        if step.duty_role not in taken
    ]
    me = next((r for step in steps for r in step.recipients.all() if r.user_id == user.pk), None)
    open_incident = not access.is_read_only(incident)
    # A step that keeps failing is shown as overdue and why, not as a next step whose time has gone by; so is
    # one not taken, with no failure recorded, a while after its time (no alerts worker running, say).
    unacknowledged = alert.acknowledged_at is None and open_incident
    escalation_failing = bool(alert.escalation_failures) and unacknowledged
    if escalation_failing:
        overdue_step = next((step for step in waiting if step["at"] <= alert.escalation_failed_at), None)
    else:
        late = timezone.now() - ESCALATION_GRACE
        overdue_step = (
            next((step for step in waiting if step["at"] <= late), None) if unacknowledged else None
        )
    return {
        "alert": alert,
        "steps": steps,
        # Nothing is to come once someone acknowledged, or the incident closed: the escalation stops.
        "waiting": waiting if unacknowledged else [],
        "escalation_failing": escalation_failing,
        # Steps whose role has someone who came on duty while the alert waited, not alerted yet for a failure.
        "came_on_duty_failing": [step for step in steps if step.came_on_duty_failures and unacknowledged],
        "overdue_step": overdue_step,
        "partners_not_told": partners_not_told(alert=alert, incident=incident),
        "my_recipient": me,
        "can_acknowledge": open_incident
        and (me is None or me.acknowledged_at is None)
        and access.can_acknowledge_alert(user, partnership, alert)
        and (me is not None or alert.acknowledged_at is None),
        "can_accept_lead": open_incident
        and alert.lead_accepted_at is None
        and access.can_accept_lead(user, partnership, alert),
        "can_name_lead": open_incident and access.can_name_lead(user, partnership, incident),
    }


def alerts_home_section(*, user, partnership) -> dict | None:
    """Home page: alerts this person was sent and has not acknowledged, while they may still acknowledge them
    (on the partnership's response team), and whether they may raise one."""
    waiting = [
        recipient
        for recipient in AlertRecipient.objects.filter(
            user=user,
            acknowledged_at__isnull=True,
            alert__acknowledged_at__isnull=True,
            alert__partnership=partnership,
        )
        .exclude(alert__incident__status="closed")
        .select_related("alert__incident")
        .order_by("-notified_at")[:5]
        if access.can_acknowledge_alert(user, partnership, recipient.alert)
    ]
    may_raise = access.can_raise_alert(user, partnership)
    if not waiting and not may_raise:
        return None
    return {"waiting_alerts": waiting, "may_raise": may_raise}


def launch_rule_in(partnership, rule_id):
    from svtoolkit.alerts.models import LaunchRule

    return get_object_or_404(
        LaunchRule.objects.select_related("protocol__partnership", "organisation"),
        pk=rule_id,
        protocol__partnership=partnership,
    )
