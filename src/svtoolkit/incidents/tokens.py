"""The secret of a partner's acknowledgement link: made when the notice is sent, by the task that sends it.

Apart from services and tasks so that services queue the task and the task issues the secret without an
import circle between them (checked by the "no-circles-within-an-app" contract in pyproject.toml).
"""

import secrets

from svtoolkit.accounts.models import Invitation


def issue_acknowledgement_token(*, participation) -> str:
    """A fresh secret for the acknowledgement link; only its hash is kept, so it exists only in the email."""
    token = secrets.token_urlsafe(24)
    participation.acknowledgement_token_hash = Invitation.hash_token(token)
    participation.save(update_fields=["acknowledgement_token_hash"])
    return token
