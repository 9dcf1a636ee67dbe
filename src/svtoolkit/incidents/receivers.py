"""What the incidents app does when a lower app (accounts, partnerships) tells it something it cannot
import, or when one of its modules tells another that imports it (services to people.services)."""

from django.dispatch import receiver

from svtoolkit.accounts.signals import member_removed, membership_changed
from svtoolkit.incidents.signals import stopped_taking_part
from svtoolkit.partnerships.signals import contact_deactivated, contact_readdressed


@receiver(member_removed, dispatch_uid="incidents-need-to-know-of-former-member")
def drop_need_to_know_of_removed_member(sender, *, membership, by, request=None, **kwargs):
    from svtoolkit.incidents.people.services import remove_former_member_from_need_to_know

    remove_former_member_from_need_to_know(
        user=membership.user, partnership=membership.partnership, by=by, request=request
    )


@receiver(membership_changed, dispatch_uid="incidents-need-to-know-of-changed-member")
def drop_need_to_know_no_longer_seen(sender, *, membership, by, request=None, **kwargs):
    from svtoolkit.incidents.people.services import remove_changed_member_from_need_to_know

    remove_changed_member_from_need_to_know(
        user=membership.user, partnership=membership.partnership, by=by, request=request
    )


# Why a link sent to a contact stops acknowledging, by what the partnerships app tells: the audit's reason,
# and the timeline's note (``{contact}``, ``{organisation}``).
LINK_STOPPED_BECAUSE = {
    contact_deactivated: (
        "contact taken out of the directory",
        "{contact} was taken out of the directory, so the link sent to them no longer acknowledges for "
        "{organisation}: choose a new contact to tell them.",
    ),
    contact_readdressed: (
        "contact's email address changed",
        "{contact}'s email address was changed, so the link sent to the old address no longer acknowledges "
        "for {organisation}: inform partners to tell them at the new one.",
    ),
}


@receiver(list(LINK_STOPPED_BECAUSE), dispatch_uid="incidents-forget-notices-to-contact")
def forget_notices_to_contact(sender, *, signal, contact, by, request=None, **kwargs):
    from svtoolkit.incidents.services import forget_notices_to_contact

    reason, note = LINK_STOPPED_BECAUSE[signal]
    forget_notices_to_contact(contact=contact, reason=reason, note=note, by=by, request=request)


@receiver(stopped_taking_part, dispatch_uid="incidents-need-to-know-of-organisation-no-longer-taking-part")
def drop_need_to_know_of_organisation(sender, *, incident, organisation, by, request=None, **kwargs):
    from svtoolkit.incidents.people.services import remove_organisation_from_need_to_know

    remove_organisation_from_need_to_know(
        incident=incident, organisation=organisation, by=by, request=request
    )
