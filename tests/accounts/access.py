"""Objects the accounts pages need in their URLs, for the access-matrix and accessibility walks."""

from svtoolkit.accounts.models import Invitation, Membership
from tests.factories import InvitationFactory


def url_kwargs(demo, demo_users):
    police = Membership.objects.get(user=demo_users["police"])
    invitation = InvitationFactory(partnership=demo, token_hash=Invitation.hash_token("matrix-token"))
    return {
        "accounts:member_edit": {"membership_id": police.pk},
        "accounts:member_remove": {"membership_id": police.pk},
        "accounts:revoke_invitation": {"invitation_id": invitation.pk},
        "accounts:accept_invitation": {"token": "matrix-token"},
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "accounts:sso_start": {"provider": "council"},
    }
