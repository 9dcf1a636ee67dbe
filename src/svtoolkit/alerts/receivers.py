"""What the alerts app does when incidents or accounts tell it something (neither may import alerts)."""

from django.dispatch import receiver

from svtoolkit.accounts.signals import member_removed, membership_changed
from svtoolkit.incidents.signals import (
    facts_changed,
    incident_categorised,
    incident_closed,
    lead_named,
    measure_changed,
)


@receiver(incident_categorised, dispatch_uid="alerts-launch-protocol")
def launch_protocol_on_categorisation(sender, *, incident, categorisation, by, request=None, **kwargs):
    from svtoolkit.alerts.services import run_launch_protocol

    run_launch_protocol(incident=incident, categorisation=categorisation, by=by, request=request)


@receiver(facts_changed, dispatch_uid="alerts-launch-protocol-on-new-facts")
def launch_protocol_on_new_facts(sender, *, incident, by, **kwargs):
    from svtoolkit.alerts.services import run_launch_protocol_for_new_facts

    run_launch_protocol_for_new_facts(incident=incident, by=by)


@receiver(lead_named, dispatch_uid="alerts-lead-taken")
def lead_taken_on_a_lead_named(sender, *, incident, lead, by, request=None, **kwargs):
    from svtoolkit.alerts.services import take_lead

    take_lead(incident=incident, lead=lead, by=by, request=request)


@receiver(incident_closed, dispatch_uid="alerts-withdrawn-at-closing")
def withdraw_alert_messages_at_closing(sender, *, incident, **kwargs):
    from svtoolkit.alerts.services import withdraw_unacknowledged_alert

    withdraw_unacknowledged_alert(incident=incident)


@receiver(measure_changed, dispatch_uid="alerts-measure-update")
def update_those_alerted_on_a_measure(sender, *, incident, measure, change, **kwargs):
    from svtoolkit.alerts.services import send_measure_update

    send_measure_update(incident=incident, measure=measure, change=change)


@receiver(member_removed, dispatch_uid="alerts-alert-list-of-former-member")
def take_removed_member_off_the_alert_list(sender, *, membership, by, request=None, **kwargs):
    from svtoolkit.alerts.services import remove_former_member_from_alert_list

    remove_former_member_from_alert_list(
        user=membership.user, partnership=membership.partnership, by=by, request=request
    )


@receiver(membership_changed, dispatch_uid="alerts-messages-of-member-off-the-response-team")
def withdraw_alerts_to_member_off_the_response_team(sender, *, membership, **kwargs):
    from svtoolkit.access import RESPONSE_TEAM_ROLES
    from svtoolkit.alerts.services import withdraw_alerts_to_former_team_member

    if membership.role not in RESPONSE_TEAM_ROLES:
        withdraw_alerts_to_former_team_member(user=membership.user, partnership=membership.partnership)
