"""``Authorization: Bearer <token>`` (or ``Token <token>``) for the REST API."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from svtoolkit.api import selectors, services
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_counted

KEYWORDS = {b"bearer", b"token"}


class BearerTokenAuthentication(BaseAuthentication):
    """A personal API token; the request then works in the partnership the token was made for."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise _refused(request, "Give the token after the word Bearer, with nothing else after it.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise _refused(request, "This token is not valid.") from None
        token = selectors.token_by_secret(secret)
        problem = selectors.refusal(token)
        if problem is not None:
            raise _refused(request, problem)
        services.note_use(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="svtoolkit"'


def _refused(request, message: str) -> AuthenticationFailed:
    """A token that did not work, audited once per client per window with a count (never the token)."""
    record_counted(action=AuditAction.TOKEN_REFUSED, request=request._request, detail={"reason": message})
    return AuthenticationFailed(message)
