"""Rate limits on signing in and on password resets (docs/security.md), beside django-axes' lockout of one
account: these count by the client's address (and, for resets, by the address a link is asked for), so one
client cannot try password after password across many accounts, nor fill someone's inbox with reset links."""

import ipaddress
import math
import unicodedata
from functools import wraps

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import client_ip, record_counted
from svtoolkit.core import ratelimits
from svtoolkit.core.errors import DomainError
from svtoolkit.core.templatetags.govuk import duration_in_words

SIGN_IN_PER_CLIENT = "SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT"
RESET_PER_CLIENT = "SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT"
RESET_PER_ADDRESS = "SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS"


def _client(request) -> str:
    """The client a limit counts: its IPv4 address, or the /64 network of its IPv6 one, as a home or office
    is given a whole /64 and may take a fresh address from it for every try."""
    address = client_ip(request)
    if address is None:
        return "unknown"
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network((ip, 64), strict=False))


def _mailbox(email: str) -> str:
    """The address a reset limit counts, written as the account is looked up (Django's reset form compares
    addresses as Unicode compares letters: NFKC, then case folded), so no way of writing one address has a
    limit of its own."""
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def _refuse(request, used: ratelimits.Usage, *, limit: str, doing: str):
    """429 with when to try again; the refusals are audited once per client per window, with their count."""
    record_counted(action=AuditAction.RATE_LIMITED, request=request, detail={"limit": limit})
    return ratelimits.too_many(request, used, doing=doing)


def _sign_ins_refused_to_client(request) -> ratelimits.Usage | None:
    """The client's failed sign-ins once they have reached SIGN_IN_PER_CLIENT in the window (every sign-in
    from it is then refused until the window ends), else None."""
    used = ratelimits.usage(request, limit=SIGN_IN_PER_CLIENT, key=_client(request), count=False)
    return used if used is not None and used.reached else None


def sign_in_limited(view):
    """Refuse (429) every sign-in attempt from a client whose failures have reached SIGN_IN_PER_CLIENT in the
    window, right password or not; successful sign-ins are not counted, so a shared office network is
    stopped only by failures."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if request.method == "POST" and (used := _sign_ins_refused_to_client(request)) is not None:
            return _refuse(request, used, limit=SIGN_IN_PER_CLIENT, doing="sign in")
        return view(request, *args, **kwargs)

    return limited


def check_password_as_sign_in(*, user, password, request) -> None:
    """The person's own password, checked as the sign-in page checks it (changing a password asks for the
    current one, which must not become a way round the lockout): a wrong one is a failed sign-in, audited and
    counted towards the account's lockout and the client's limit, and past either even the right one is
    refused. Raises DomainError saying which."""
    if (used := _sign_ins_refused_to_client(request)) is not None:
        record_counted(action=AuditAction.RATE_LIMITED, request=request, detail={"limit": SIGN_IN_PER_CLIENT})
        minutes = math.ceil(used.seconds_left / 60)
        raise DomainError(
            "There have been too many wrong passwords from your network in a short time. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            field="old_password",
        )
    signed_in_as = authenticate(request, username=user.email, password=password)
    if signed_in_as is not None and signed_in_as.pk == user.pk:
        return
    if getattr(request, "axes_locked_out", False):
        # Said on the form: AxesMiddleware would otherwise answer with the sign-in page's lockout page.
        request.axes_locked_out = False
        raise DomainError(
            "You have entered a wrong password too many times. For your security, signing in to your account "
            f"and changing its password are blocked for {duration_in_words(get_cool_off(request))}.",
            field="old_password",
        )
    raise DomainError("Your current password is not right. Enter it again.", field="old_password")


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
            address = _mailbox(str(request.POST.get("email", "")))
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
