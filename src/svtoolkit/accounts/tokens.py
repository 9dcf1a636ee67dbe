"""The secret of an invitation link: made when the email is sent, by the task that sends it.

Apart from services and tasks so that services queue the task and the task issues the secret without an
import circle between them (checked by the "no-circles-within-an-app" contract in pyproject.toml).
"""

import secrets

from svtoolkit.accounts.models import Invitation


def issue_invitation_token(*, invitation) -> str:
    """A fresh secret for the invitation link. Only its hash is kept, so it exists only in the email."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = Invitation.hash_token(token)
    invitation.save(update_fields=["token_hash"])
    return token
