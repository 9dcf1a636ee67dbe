"""Reading API tokens: a person sees only their own; a secret is found by its hash."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from svtoolkit.accounts.models import Invitation
from svtoolkit.api.models import ApiToken


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("partnership")


def token_of(user, token_id) -> ApiToken:
    """One of the person's own tokens; anyone else's id is not found (404)."""
    return get_object_or_404(tokens_of(user), pk=token_id)


def active_token(secret: str) -> ApiToken | None:
    """The token whose secret this is, unless it was revoked or its owner's account is switched off."""
    if not secret:
        return None
    return (
        ApiToken.objects.filter(
            token_hash=Invitation.hash_token(secret), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user", "partnership")
        .first()
    )
