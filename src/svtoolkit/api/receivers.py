"""What the API does when a lower app (accounts) tells it something it cannot import."""

from django.dispatch import receiver

from svtoolkit.accounts.signals import member_removed


@receiver(member_removed, dispatch_uid="api-tokens-of-former-member")
def revoke_tokens_of_removed_member(sender, *, membership, by, request=None, **kwargs):
    from svtoolkit.api.services import revoke_tokens_of_former_member

    revoke_tokens_of_former_member(
        user=membership.user, partnership=membership.partnership, by=by, request=request
    )
