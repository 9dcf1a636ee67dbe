"""Per-request context: how long the session lasts, the partnership the user is working in, and the
two-factor gate."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from svtoolkit import access
from svtoolkit.accounts.principal import principal_of
from svtoolkit.core.middleware import is_background_request

PARTNERSHIP_SESSION_KEY = "svt_partnership_id"
SIGNED_IN_AT_SESSION_KEY = "svt_signed_in_at"
LAST_ACTIVE_AT_SESSION_KEY = "svt_last_active_at"
# Activity is written to the session at most once a minute, not on every request (a write each time): the
# idle timeout is then counted from up to a minute before the last request.
ACTIVITY_RESOLUTION_SECONDS = 60
# Set by single sign-on: the partnerships that allow the provider and email domain it used; the person's other
# partnerships are not offered in this session (a password sign-in still reaches them).
SSO_PARTNERSHIPS_SESSION_KEY = "svt_sso_partnerships"
# The revision of each partnership's single sign-on settings that a single sign-on was decided under.
SSO_SETTINGS_SESSION_KEY = "svt_sso_settings"
# The identity provider a single sign-on used: a partnership joined later in the session opens in it only if
# it lets in that provider (and the person's email domain).
SSO_PROVIDER_SESSION_KEY = "svt_sso_provider"

# Pages a signed-in person can reach before passing two-factor verification. Setting up an
# authenticator is among them only for someone who has none yet (see TwoFactorMiddleware).
TWO_FACTOR_EXEMPT_URL_NAMES = {
    "accounts:two_factor_verify",
    "accounts:logout",
    "core:accessibility",
    "core:privacy",
    "core:cookies",
    "core:healthz",
}
# Pages that replace, remove or stand in for the authenticator: while the person has one, they need a code
# from it in this sign-in. An identity provider's MFA does not do: with it alone, someone could swap in an
# authenticator of their own, whose code opens the Django admin.
OWN_CODE_URL_NAMES = {
    "accounts:two_factor_setup",
    "accounts:two_factor_remove",
    "accounts:backup_codes",
}


def start_session_clock(request) -> None:
    """Called at every sign-in (``user_logged_in``): the absolute lifetime counts from here."""
    now = time.time()
    request.session[SIGNED_IN_AT_SESSION_KEY] = now
    request.session[LAST_ACTIVE_AT_SESSION_KEY] = now


class SessionLifetimeMiddleware:
    """Ends a session idle for ``SESSION_COOKIE_AGE`` seconds, or older than ``SESSION_ABSOLUTE_SECONDS``.

    Only requests the person makes renew the session (and save it, which renews its expiry in the session
    store): background polling neither counts as activity nor saves the session. A page's htmx request
    answered with a redirect (its session ended, or two-factor to pass or set up) sends the whole page there.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        response = self.get_response(request)
        if request.headers.get("HX-Request") and 300 <= response.status_code < 400 and "Location" in response:
            # The browser would follow the redirect itself and htmx swap the page it leads to (the sign-in
            # page, the two-factor pages) into the part that asked: a page inside the page, no longer polling.
            return HttpResponseClientRedirect(response["Location"])
        return response

    def _check(self, request):
        session, now = request.session, time.time()
        signed_in_at = session.get(SIGNED_IN_AT_SESSION_KEY)
        last_active_at = session.get(LAST_ACTIVE_AT_SESSION_KEY)
        if signed_in_at is None:  # a session from before this rule: its clock starts now
            start_session_clock(request)
            return
        if now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            self._end(request, f"You were signed out because you signed in more than {hours} hours ago.")
        elif last_active_at is not None and now - last_active_at > settings.SESSION_COOKIE_AGE:
            minutes = settings.SESSION_COOKIE_AGE // 60
            self._end(request, f"You were signed out after {minutes} minutes without using svtoolkit.")
        elif (
            not is_background_request(request) and now - (last_active_at or 0) >= ACTIVITY_RESOLUTION_SECONDS
        ):
            session[LAST_ACTIVE_AT_SESSION_KEY] = now

    @staticmethod
    def _end(request, message):
        logout(request)
        messages.info(request, f"{message} Sign in again to carry on.")


class CurrentPartnershipMiddleware:
    """Sets ``request.membership`` and ``request.partnership`` from the session (default: the first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _single_sign_on_settings_changed(request):
            logout(request)
            messages.info(
                request,
                "Your partnership changed how its members sign in with single sign-on. Sign in again "
                "to carry on.",
            )
        memberships = access.memberships_of(request.user)
        if (opened := request.session.get(SSO_PARTNERSHIPS_SESSION_KEY)) is not None:
            memberships = {pk: m for pk, m in memberships.items() if pk in opened}
            request.user._svt_memberships = memberships  # so every access rule sees only these
        chosen = request.session.get(PARTNERSHIP_SESSION_KEY) if memberships else None
        membership = memberships.get(chosen) or next(iter(memberships.values()), None)
        request.membership = membership
        request.partnership = membership.partnership if membership else None
        request.memberships = list(memberships.values())
        return self.get_response(request)


def _single_sign_on_settings_changed(request) -> bool:
    """A single sign-on decided which partnerships it opens and whether the provider's MFA counts, under each
    partnership's settings then: once one of them changes its settings (a provider, a domain, accepting MFA
    or not), the session ends rather than go on under rules it no longer has. Read from the partnerships the
    request loads anyway: no query of its own."""
    opened = request.session.get(SSO_PARTNERSHIPS_SESSION_KEY)
    if opened is None:
        return False
    decided_under = request.session.get(SSO_SETTINGS_SESSION_KEY, {})
    memberships = access.memberships_of(request.user)
    return any(
        memberships[pk].partnership.revision != decided_under.get(str(pk))
        for pk in opened
        if pk in memberships
    )


class TwoFactorMiddleware(MiddlewareMixin):
    """Whoever has an authenticator must use it; a partnership requiring one makes its members set it up."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        from svtoolkit.accounts.selectors import second_factor_passed

        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        view_name = request.resolver_match.view_name
        if view_name in TWO_FACTOR_EXEMPT_URL_NAMES:
            return None
        # Not verified by svtoolkit's own code, so a second factor passed is the identity provider's MFA.
        provider_mfa_passed = second_factor_passed(request)
        if provider_mfa_passed and view_name not in OWN_CODE_URL_NAMES:
            return None

        # Asked on every page of someone not yet verified: answered from what accounts.principal keeps for
        # the request (a change to an authenticator or a partnership's rule counts on the next request).
        principal = principal_of(user)
        # Neither a password alone nor the provider's MFA may replace the authenticator guarding the account.
        if principal.has_authenticator_app:
            next_page = urlencode({"next": request.get_full_path()})
            return redirect(f"{_url('accounts:two_factor_verify')}?{next_page}")
        if provider_mfa_passed or view_name == "accounts:two_factor_setup":
            return None
        if principal.two_factor_required:
            return redirect(_url("accounts:two_factor_setup"))
        return None


def _url(name):
    from django.urls import reverse

    return reverse(name)


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware, finding the authenticator that verified this session among the person's
    confirmed ones held by accounts.principal, instead of reading it from the database on every request."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated and (persistent_id := request.session.get(DEVICE_ID_SESSION_KEY)):
            device = principal_of(user).devices.get(self._normalize_persistent_id(persistent_id))
            user.otp_device = self._finalize_device(request, user, device)
        return user
