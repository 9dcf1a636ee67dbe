import functools
import time

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import http_date

# Sent by requests the page makes on its own (the incident page's live panel and the region board polling
# every 30 seconds, a contacts import's progress every 2): they do not count as the person being active, so a
# page left open does not keep its session alive (accounts.middleware), and their refusals are audited counted
# (access.deny).
BACKGROUND_REQUEST_HEADER = "X-Svt-Background"


def is_background_request(request) -> bool:
    return request.headers.get(BACKGROUND_REQUEST_HEADER) == "true"


def _never_cache(response) -> None:
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)


@functools.cache
def _never_cached() -> str:
    """The Cache-Control that ``_never_cache`` gives a response that had none: the same every time."""
    response = HttpResponse()
    _never_cache(response)
    return response["Cache-Control"]


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person hold partnership data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An error page is never kept either, and is decided without asking who is signed in: during an
        # outage that question needs the database or Redis, which is what failed.
        if response.status_code >= 500 or request.user.is_authenticated:
            if "Cache-Control" in response:
                _never_cache(response)  # what the view asked for, merged by Django's functions
            else:  # the same headers, without parsing and writing Cache-Control three times
                response["Cache-Control"] = _never_cached()
                if "Expires" not in response:
                    response["Expires"] = http_date(time.time())
        return response


# What a view or template can set to change the policy of one response (django-csp's decorators).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


@functools.cache
def _policies() -> tuple:
    """The policy and the report-only policy the settings give, and the address prefixes each leaves out."""
    return tuple(
        (header, build_policy(report_only=report_only), tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ()))
        for header, report_only, config in (
            (HEADER, False, getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}),
            (HEADER_REPORT_ONLY, True, getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or {}),
        )
    )


@receiver(setting_changed, dispatch_uid="svtoolkit-content-security-policy")
def _forget_policies(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy built once: django-csp builds the header from the settings on
    every response, though it changes only with a nonce a page asked for or a policy a view set for its own
    response (django-csp's decorators), which are built as django-csp builds them."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:  # Django's debug pages, as django-csp
            return response
        for (header, policy, excluded), exempt in zip(
            _policies(), ("_csp_exempt", "_csp_exempt_ro"), strict=True
        ):
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class PermissionsPolicyMiddleware:
    """Every response tells the browser which powerful features no page of svtoolkit uses (camera, microphone,
    location, payment, USB), so injected or third-party code could not turn them on either."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response
