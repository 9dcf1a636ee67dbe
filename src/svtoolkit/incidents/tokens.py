"""The secret of a partner's acknowledgement link: made as the notice is queued, kept only as a hash."""

import secrets

from svtoolkit.accounts.models import Invitation


def issue_acknowledgement_token(*, participation) -> str:
    """A fresh secret for the acknowledgement link; only its hash is kept, so it exists only in the email."""
    token = secrets.token_urlsafe(24)
    participation.acknowledgement_token_hash = Invitation.hash_token(token)
    participation.save(update_fields=["acknowledgement_token_hash"])
    return token
