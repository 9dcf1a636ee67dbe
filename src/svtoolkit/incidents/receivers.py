"""What the incidents app does when a lower app (accounts) tells it something it cannot import."""

from django.dispatch import receiver

from svtoolkit.accounts.signals import member_removed


@receiver(member_removed, dispatch_uid="incidents-need-to-know-of-former-member")
def drop_need_to_know_of_removed_member(sender, *, membership, by, request=None, **kwargs):
    from svtoolkit.incidents.people.services import remove_former_member_from_need_to_know

    remove_former_member_from_need_to_know(
        user=membership.user, partnership=membership.partnership, by=by, request=request
    )
