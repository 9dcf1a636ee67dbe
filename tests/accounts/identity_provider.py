"""A real OpenID Connect provider (oidc-provider-mock) on a local port, for the single sign-on tests."""

from urllib.parse import quote, urlsplit

import requests
from django.urls import reverse


class IdentityProvider:
    """The provider the tests run: people are registered with the claims it will sign, and a sign-in is
    approved the way a person would approve it on its page."""

    def __init__(self, url):
        self.url = url

    def person(self, email, *, verified=True, mfa=False, **claims):
        claims = {"email": email, "email_verified": verified, "name": email.split("@")[0].title(), **claims}
        if mfa:
            claims.setdefault("amr", ["pwd", "mfa"])
        requests.put(f"{self.url}/users/{quote(email)}", json=claims, timeout=5).raise_for_status()

    def settings_for(self, *, name="Northbridge Council", **overrides):
        return {
            "name": name,
            "issuer": self.url,
            "client_id": "svtoolkit",
            "client_secret": "a-secret-only-for-tests",
            "scopes": "openid email profile",
            "sign_algorithm": "RS256",
            "email_verified_claim": "email_verified",
            "mfa_amr_values": ["mfa"],
            "mfa_acr_values": [],
            "authorization_endpoint": "",
            "token_endpoint": "",
            "userinfo_endpoint": "",
            "jwks_uri": "",
            **overrides,
        }

    def approve(self, authorization_url, email, *, action=None):
        """What the person does on the provider's page; returns where the provider sends the browser back."""
        data = {"action": "deny"} if action == "deny" else {"sub": email}
        response = requests.post(authorization_url, data=data, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


def sign_in_through(client, provider, email, *, slug="council", action=None, next_page=None):
    """Single sign-on with the Django test client, through the provider's real endpoints."""
    start = reverse("accounts:sso_start", args=[slug]) + (f"?next={next_page}" if next_page else "")
    response = client.get(start)
    assert response.status_code == 302, response
    back = urlsplit(provider.approve(response["Location"], email, action=action))
    return client.get(f"{back.path}?{back.query}")
