"""The headers every response carries, built once where they do not vary (core/middleware.py): the same as
django-csp and Django's own functions build them on each response."""

import re

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.middleware import CSPMiddleware
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from svtoolkit.core.middleware import ContentSecurityPolicyMiddleware, NoStoreForSignedInMiddleware
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _answer(status=200, **attributes):
    response = HttpResponse("page", status=status)
    for name, value in attributes.items():
        setattr(response, name, value)
    return response


RESPONSES = {
    "a page": {},
    "a missing page": {"status": 404},
    "exempt": {"_csp_exempt": True},
    "exempt from the report-only policy": {"_csp_exempt_ro": True},
    "its own policy": {"_csp_config": {"default-src": [SELF], "img-src": ["https://maps.example.org"]}},
    "a source added": {"_csp_update": {"img-src": ["https://maps.example.org"]}},
    "a directive replaced": {"_csp_replace": {"script-src": ["'self'", "https://cdn.example.org"]}},
    "a source added to the report-only policy": {"_csp_update_ro": {"img-src": ["https://maps.example.org"]}},
}


def _headers(middleware_class, path, answer, *, use_nonce=False):
    def view(request):
        if use_nonce:
            str(request.csp_nonce)
        return answer

    middleware = middleware_class(view)
    request = RequestFactory().get(path)
    response = middleware(request)
    # A nonce is new on each response.
    headers = {
        name: re.sub(r"'nonce-[^']+'", "'nonce-N'", response.get(name, ""))
        for name in (HEADER, HEADER_REPORT_ONLY)
    }
    after = request.csp_nonce
    return headers, type(after).__name__, bool(after)


@pytest.mark.parametrize("case", RESPONSES)
@pytest.mark.parametrize("use_nonce", [False, True])
@pytest.mark.parametrize("path", ["/incidents/", "/api/v1/incidents/"])
@pytest.mark.parametrize("report_only", [False, True])
@pytest.mark.parametrize("debug", [False, True])
def test_the_policy_is_what_django_csp_builds(settings, case, use_nonce, path, report_only, debug):
    settings.DEBUG = debug
    settings.CONTENT_SECURITY_POLICY = {
        "EXCLUDE_URL_PREFIXES": ["/api/"] if report_only else [],
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "script-src": [SELF, NONCE]},
    }
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
            "DIRECTIVES": {"default-src": [SELF], "img-src": ["*"]}
        }

    ours = _headers(ContentSecurityPolicyMiddleware, path, _answer(**RESPONSES[case]), use_nonce=use_nonce)
    theirs = _headers(CSPMiddleware, path, _answer(**RESPONSES[case]), use_nonce=use_nonce)

    assert ours == theirs


def test_a_changed_policy_is_sent_on_the_next_response(client, settings):
    assert "img-src 'self' data:" in client.get(reverse("core:accessibility"))[HEADER]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "img-src": [SELF]}
    }
    policy = client.get(reverse("core:accessibility"))[HEADER]
    assert "img-src 'self';" in policy or policy.endswith("img-src 'self'")


def _never_cached_by_django(response):
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


NEVER_CACHED = {
    "a page": {},
    "its own Cache-Control": {"Cache-Control": "public, max-age=3600"},
    "its own Expires": {"Expires": "Thu, 01 Jan 2026 00:00:00 GMT"},
}


@pytest.mark.parametrize("case", NEVER_CACHED)
@pytest.mark.parametrize(("signed_in", "status"), [(True, 200), (False, 503)])
def test_a_page_never_kept_carries_the_headers_django_s_functions_give(time_machine, case, signed_in, status):
    def view(request):
        return HttpResponse("page", status=status, headers=NEVER_CACHED[case])

    request = RequestFactory().get("/")
    request.user = UserFactory.build() if signed_in else AnonymousUser()
    time_machine.move_to("2026-12-01 08:00:00+00:00", tick=False)
    response = NoStoreForSignedInMiddleware(view)(request)
    expected = _never_cached_by_django(HttpResponse(headers=NEVER_CACHED[case]))

    assert (response["Cache-Control"], response["Expires"]) == (
        expected["Cache-Control"],
        expected["Expires"],
    )


def test_a_page_for_nobody_signed_in_may_be_kept():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = NoStoreForSignedInMiddleware(lambda request: HttpResponse("page"))(request)
    assert "Cache-Control" not in response and "Expires" not in response
