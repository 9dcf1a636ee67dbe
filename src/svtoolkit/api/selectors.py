"""Reading API tokens: a person sees only their own; a secret is found by its hash."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit.accounts.models import Invitation
from svtoolkit.api.models import ApiToken


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("partnership")


def token_of(user, token_id) -> ApiToken:
    """One of the person's own tokens; anyone else's id is not found (404)."""
    return get_object_or_404(tokens_of(user), pk=token_id)


def token_by_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is, whatever its state (``refusal`` says whether it may be used)."""
    if not secret:
        return None
    return (
        ApiToken.objects.filter(token_hash=Invitation.hash_token(secret))
        .select_related("user", "partnership")
        .first()
    )


def refusal(token: ApiToken | None) -> str | None:
    """Why this token may not be used now, in words for its owner; None when it may.

    Refused: unknown, revoked, its owner's account switched off, expired, or its owner lacks the second factor
    a partnership of theirs requires (the web would send them to set one up; a token cannot be).
    """
    from django.utils import formats

    from svtoolkit.accounts import selectors as accounts

    if token is None or token.revoked_at is not None or not token.user.is_active:
        return "This token is not valid: it may have been revoked. Create a new one on your account page."
    if token.is_expired:
        expired = formats.date_format(timezone.localtime(token.expires_at), "j F Y")
        return f"This token expired on {expired}. Create a new one on your account page."
    if accounts.lacks_required_second_factor(token.user):
        return (
            "Your partnership requires two-factor sign-in, and your account has no authenticator app set up. "
            "Set one up on your account page: your tokens work again once you have."
        )
    return None
