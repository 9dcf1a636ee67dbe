"""Rate limits on signing in and on password resets (docs/security.md), beside django-axes' lockout of one
account: these count by the client's address (and, for resets, by the address a link is asked for), so one
client cannot try password after password across many accounts, nor fill someone's inbox with reset links."""

from functools import wraps

from svtoolkit.accounts.models import normalise_email
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import client_ip, record_counted
from svtoolkit.core import ratelimits

SIGN_IN_PER_CLIENT = "SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT"
RESET_PER_CLIENT = "SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT"
RESET_PER_ADDRESS = "SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS"


def _client(request) -> str:
    return client_ip(request) or "unknown"


def _refuse(request, used: ratelimits.Usage, *, limit: str, doing: str):
    """429 with when to try again; the refusals are audited once per client per window, with their count."""
    record_counted(action=AuditAction.RATE_LIMITED, request=request, detail={"limit": limit})
    return ratelimits.too_many(request, used, doing=doing)


def sign_in_limited(view):
    """Refuse (429) every sign-in attempt from a client whose failures have reached SIGN_IN_PER_CLIENT in the
    window, right password or not; successful sign-ins are not counted, so a shared office network is
    stopped only by failures."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST":
            used = ratelimits.usage(request, limit=SIGN_IN_PER_CLIENT, key=_client(request), count=False)
            if used is not None and used.reached:
                return _refuse(request, used, limit=SIGN_IN_PER_CLIENT, doing="sign in")
        return view(request, *args, **kwargs)

    return limited


def count_failed_sign_in(sender, credentials, request=None, **kwargs):
    """user_login_failed: one more failure for the client (wrong address or password, or a locked account)."""
    if request is not None:
        ratelimits.usage(request, limit=SIGN_IN_PER_CLIENT, key=_client(request), count=True)


def password_reset_limited(view):
    """Count each request for a reset link against the client and against the address asked for, whether
    or not it has an account (so the answer still reveals none); past either limit, 429."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST":
            keys = {RESET_PER_CLIENT: _client(request)}
            address = normalise_email(str(request.POST.get("email", "")))
            if address:
                keys[RESET_PER_ADDRESS] = address
            over = {}
            for limit, key in keys.items():
                used = ratelimits.usage(request, limit=limit, key=key, count=True)
                if used is not None and used.exceeded:
                    over[limit] = used
            if over:
                limit = max(over, key=lambda limit: over[limit].seconds_left)  # the later time to try again
                return _refuse(request, over[limit], limit=limit, doing="reset a password")
        return view(request, *args, **kwargs)

    return limited
