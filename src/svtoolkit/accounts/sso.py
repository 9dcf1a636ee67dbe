"""Single sign-on with OpenID Connect: the identity providers named in settings, and mozilla-django-oidc's
sign-in flow adapted to more than one of them. Who may sign in is decided by
``services.sign_in_with_identity_provider``; this module only speaks the protocol."""

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from svtoolkit.accounts import services
from svtoolkit.accounts.backends import PersonBackend
from svtoolkit.accounts.middleware import (
    PARTNERSHIP_SESSION_KEY,
    SSO_PARTNERSHIPS_SESSION_KEY,
    SSO_PROVIDER_SESSION_KEY,
    SSO_SETTINGS_SESSION_KEY,
)
from svtoolkit.accounts.models import Membership
from svtoolkit.accounts.selectors import IDENTITY_PROVIDER_MFA_SESSION_KEY, sign_in_domains_open_to

# Why the last single sign-on was refused, for the refusal page.
SSO_REFUSAL_SESSION_KEY = "svt_sso_refusal"


@dataclass(frozen=True)
class Provider:
    """One identity provider from settings.SSO_PROVIDERS."""

    slug: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    sign_algorithm: str
    email_verified_claim: str
    mfa_amr_values: tuple[str, ...]
    mfa_acr_values: tuple[str, ...]
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str

    def reports_mfa(self, claims) -> bool:
        """The provider says this sign-in used multi-factor authentication (its `amr` or `acr` claim)."""
        amr = claims.get("amr") or []
        if isinstance(amr, str):
            amr = [amr]
        return bool(set(amr) & set(self.mfa_amr_values)) or claims.get("acr") in self.mfa_acr_values

    def email_verified(self, claims) -> bool:
        value = claims.get(self.email_verified_claim)
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def endpoints(self) -> dict:
        """The provider's endpoints: from settings, else from its discovery document (read once a process)."""
        given = {
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "userinfo_endpoint": self.userinfo_endpoint,
            "jwks_uri": self.jwks_uri,
        }
        if all(given.values()):
            return given
        key = (self.issuer, self.slug)
        if key not in _discovered:
            response = requests.get(
                f"{self.issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
            )
            response.raise_for_status()
            _discovered[key] = response.json()
        found = _discovered[key]
        return {name: value or found.get(name, "") for name, value in given.items()}


_discovered: dict[tuple[str, str], dict] = {}


def providers() -> list[Provider]:
    return [
        Provider(
            slug=slug,
            **{
                **config,
                "mfa_amr_values": tuple(config.get("mfa_amr_values", ("mfa",))),
                "mfa_acr_values": tuple(config.get("mfa_acr_values", ())),
            },
        )
        for slug, config in settings.SSO_PROVIDERS.items()
    ]


def provider_named(slug) -> Provider | None:
    return next((provider for provider in providers() if provider.slug == slug), None)


class StartView(OIDCAuthenticationRequestView):
    """Sends the person to the chosen provider, remembering (by the request's state) which one it was."""

    def __init__(self, **kwargs):
        # The library reads one provider from settings here; ours is chosen by the URL.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request, provider):
        chosen = provider_named(provider)
        if chosen is None:
            raise Http404("No such identity provider")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = chosen.endpoints()["authorization_endpoint"]
        except requests.RequestException:
            services.record_refused_sign_in(
                provider=chosen, reason="provider_unreachable", email="", request=request
            )
            return _refused(request, "provider_unreachable")
        self.OIDC_RP_CLIENT_ID = chosen.client_id
        self.provider = chosen
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = chosen.slug
        request.session.modified = True
        return response

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES":
            return self.provider.scopes
        return super().get_settings(attr, *args)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: sign the person in, or show why not (the refusal is already audited)."""

    def get(self, request):
        started = request.session.get("oidc_states", {}).get(request.GET.get("state", ""))
        request.sso_provider = provider_named((started or {}).get("provider"))
        if request.GET.get("error") and started is None:
            # An error answer naming no sign-in this session started (some providers leave the state out when
            # the person cancels): told as not completed, but, as any site can link a signed-in person here,
            # it signs nobody out, which the library does on every error answer.
            return self.login_failure()
        try:
            return super().get(request)
        except services.SignInRefused as refusal:
            return _refused(request, refusal.reason)
        except SuspiciousOperation:
            # An unknown or replayed state, or an ID token badly signed, not from this provider or not for us.
            services.record_refused_sign_in(
                provider=request.sso_provider, reason="invalid_response", email="", request=request
            )
            return _refused(request, "invalid_response")
        except requests.RequestException:
            services.record_refused_sign_in(
                provider=request.sso_provider, reason="provider_unreachable", email="", request=request
            )
            return _refused(request, "provider_unreachable")

    def login_failure(self):
        # The provider answered with an error (the person cancelled, or it refused them).
        services.record_refused_sign_in(
            provider=getattr(self.request, "sso_provider", None),
            reason="not_completed",
            email="",
            request=self.request,
        )
        return _refused(self.request, "not_completed")

    def login_success(self):
        # The library skips auth.login when this person is already signed in, and Django's login keeps the
        # session key of a person signing in again: every single sign-on must still be a sign-in of its own,
        # under a new key (the provider's MFA is marked on it below), audited, its session clock restarted.
        self.request.session.cycle_key()
        auth.login(self.request, self.user)
        response = super().login_success()
        signed_in = self.request.sso_sign_in
        session = self.request.session
        session[SSO_PARTNERSHIPS_SESSION_KEY] = signed_in.partnership_ids
        session[SSO_SETTINGS_SESSION_KEY] = {
            str(pk): revision
            for pk, revision in Membership.objects.filter(
                user=self.user, partnership_id__in=signed_in.partnership_ids
            ).values_list("partnership_id", "partnership__revision")
        }
        session[PARTNERSHIP_SESSION_KEY] = signed_in.partnership_ids[0]
        session[IDENTITY_PROVIDER_MFA_SESSION_KEY] = signed_in.mfa_accepted
        session[SSO_PROVIDER_SESSION_KEY] = self.request.sso_provider.slug
        return response


def forget_single_sign_on(session) -> None:
    """A sign-in with a password starts afresh: nothing a single sign-on decided carries over into it."""
    for key in (
        SSO_PARTNERSHIPS_SESSION_KEY,
        SSO_SETTINGS_SESSION_KEY,
        IDENTITY_PROVIDER_MFA_SESSION_KEY,
        SSO_PROVIDER_SESSION_KEY,
    ):
        session.pop(key, None)


def signed_on_with(session) -> Provider | None:
    """The identity provider this session's single sign-on used, or None for a session signed in otherwise
    (or by a single sign-on from before the provider was kept, which opens no partnership joined later)."""
    if session.get(SSO_PARTNERSHIPS_SESSION_KEY) is None:
        return None
    return provider_named(session.get(SSO_PROVIDER_SESSION_KEY))


def open_joined_partnership(request, partnership) -> bool:
    """A partnership the person has just joined, opened in this session as the single sign-on that started it
    would have opened it: only if it lets in that provider and the person's email domain, its settings'
    revision kept (a change to them ends the session), and the provider's MFA then counting only if it accepts
    it too. False if it stays closed in this session (a password sign-in reaches it); True when open, as every
    partnership is in a session signed in with a password."""
    session = request.session
    opened = session.get(SSO_PARTNERSHIPS_SESSION_KEY)
    if opened is None or partnership.pk in opened:
        return True
    provider = signed_on_with(session)
    domain = request.user.email.rpartition("@")[2]
    rules = sign_in_domains_open_to(provider=provider.slug, domain=domain) if provider else []
    rule = next((rule for rule in rules if rule.partnership_id == partnership.pk), None)
    if rule is None:
        return False
    session[SSO_PARTNERSHIPS_SESSION_KEY] = sorted([*opened, partnership.pk])
    session[SSO_SETTINGS_SESSION_KEY] = {
        **session.get(SSO_SETTINGS_SESSION_KEY, {}),
        str(partnership.pk): rule.partnership.revision,
    }
    if not rule.partnership.accept_identity_provider_mfa:
        session[IDENTITY_PROVIDER_MFA_SESSION_KEY] = False
    return True


def _refused(request, reason):
    request.session[SSO_REFUSAL_SESSION_KEY] = reason
    return redirect("accounts:sso_refused")


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """Django authentication backend for the callback of a sign-in started with a configured provider."""

    def __init__(self, *args, **kwargs):
        # Providers are chosen per sign-in (see use()), so nothing is read from settings here.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        provider = getattr(request, "sso_provider", None) if request is not None else None
        if provider is None or "nonce" not in kwargs:
            return None
        self.provider = provider
        endpoints = provider.endpoints()
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = endpoints["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = endpoints["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algorithm
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks the signature and nonce; the token must also be from this issuer, for us."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if (
            payload.get("iss", "").rstrip("/") != self.provider.issuer
            or self.provider.client_id not in audiences
        ):
            raise SuspiciousOperation("The ID token is not from this provider or not for svtoolkit.")
        return payload

    def retrieve_matching_jwk(self, token):
        """The provider's signing key for this token: the one its `kid` names, or its only key for the
        algorithm when the token names none (the library insists on a `kid`)."""
        header = jwt.get_unverified_header(token)
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("alg", header.get("alg")) == header.get("alg")
            and key.get("use", "sig") == "sig"
            and ("kid" not in header or key.get("kid") == header["kid"])
        ]
        if len(keys) != 1:
            raise SuspiciousOperation("No single signing key of the provider matches the ID token.")
        return jwt.PyJWK(keys[0])

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") not in (None, payload.get("sub")):
            raise SuspiciousOperation("The userinfo is about someone else than the ID token.")
        # The ID token's claims win: they are signed, and `amr`/`acr` describe this very sign-in.
        claims = {**userinfo, **payload}
        signed_in = services.sign_in_with_identity_provider(
            provider=self.provider, claims=claims, request=self.request
        )
        self.request.sso_sign_in = signed_in
        self.request.sign_in_detail = {
            "via": "single sign-on",
            "provider": self.provider.slug,
            "provider_mfa": self.provider.reports_mfa(claims),
            "mfa_accepted": signed_in.mfa_accepted,
        }
        return signed_in.user

    def get_user(self, user_id):
        return PersonBackend.get_user(self, user_id)
