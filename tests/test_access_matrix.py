"""Every URL the project defines, requested as each demo role and anonymously.

A URL without an expectation here fails `test_every_url_has_an_expectation`, so a new page cannot
ship without someone deciding who may see it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.access_expectations import EXPECTED, ROLES, SIGNED_IN

# The Django admin is for superusers with two-factor only: none of the demo roles.
ADMIN_EXPECTED = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 403)}
ADMIN_EXCEPTIONS = {"admin:logout": dict.fromkeys(ROLES, 302)}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.converters) or _route_params(pattern)


def _route_params(pattern):
    return list(pattern.pattern.regex.groupindex)


ALL_URLS = dict(_walk(get_resolver().url_patterns))
PROJECT_URLS = sorted(name for name in ALL_URLS if not name.startswith("admin:"))
ADMIN_URLS = sorted(name for name in ALL_URLS if name.startswith("admin:"))


def test_every_url_has_an_expectation():
    assert sorted(set(PROJECT_URLS) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(PROJECT_URLS)) == []


def _admin_kwargs(params):
    values = {"app_label": "accounts", "content_type_id": "1", "object_id": "1", "url": "x"}
    return {param: values.get(param, "1") for param in params}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", PROJECT_URLS)
def test_project_url_access(url_name, role, client_for, url_args):
    url = reverse(url_name, kwargs=url_args.get(url_name))
    response = client_for(role).get(url)
    assert response.status_code == EXPECTED[url_name][role], f"GET {url} as {role}"
    if EXPECTED[url_name][role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", ADMIN_URLS)
def test_admin_url_access(url_name, role, client_for):
    url = reverse(url_name, kwargs=_admin_kwargs(ALL_URLS[url_name]) or None)
    response = client_for(role).get(url)
    expected = ADMIN_EXCEPTIONS.get(url_name, ADMIN_EXPECTED)[role]
    assert response.status_code == expected, f"GET {url} as {role}"


def test_refusals_are_written_to_the_audit_log(client_for, demo_users):
    client_for("viewer").get(reverse("audit:log"))
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert entry.actor == demo_users["viewer"]
    assert entry.detail == {"reason": "can_view_audit_log"}
    assert entry.path == reverse("audit:log")
