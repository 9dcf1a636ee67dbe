"""Per-request context: the partnership the user is working in, and the two-factor gate."""

from urllib.parse import urlencode

from django.shortcuts import redirect

from svtoolkit import access

PARTNERSHIP_SESSION_KEY = "svt_partnership_id"
# Set by single sign-on: the partnerships that allow the provider and email domain it used; the person's other
# partnerships are not offered in this session (a password sign-in still reaches them).
SSO_PARTNERSHIPS_SESSION_KEY = "svt_sso_partnerships"

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


class CurrentPartnershipMiddleware:
    """Sets ``request.membership`` and ``request.partnership`` from the session (default: the first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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


class TwoFactorMiddleware:
    """Whoever has an authenticator must use it; a partnership requiring one makes its members set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from svtoolkit.accounts.selectors import (
            has_confirmed_authenticator,
            second_factor_passed,
            two_factor_required_for,
        )

        user = request.user
        if not user.is_authenticated or second_factor_passed(request):
            return None
        view_name = request.resolver_match.view_name
        if view_name in TWO_FACTOR_EXEMPT_URL_NAMES:
            return None

        # With only a password, nobody may replace the authenticator that guards the account.
        if has_confirmed_authenticator(user):
            next_page = urlencode({"next": request.get_full_path()})
            return redirect(f"{_url('accounts:two_factor_verify')}?{next_page}")
        if view_name == "accounts:two_factor_setup":
            return None
        if two_factor_required_for(user):
            return redirect(_url("accounts:two_factor_setup"))
        return None


def _url(name):
    from django.urls import reverse

    return reverse(name)
