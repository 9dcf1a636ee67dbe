"""Every URL the project defines, requested as each demo role and anonymously.

A URL without an expectation here fails `test_every_url_has_an_expectation`, so a new page cannot
ship without someone deciding who may see it.
"""

import sys

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.partnerships.demo import seed_demo_partnership
from tests.access_expectations import EXPECTED, ROLES, SIGNED_IN
from tests.conftest import check_what_was_seeded, demo_users_by_role, url_arguments
from tests.factories import TEST_PASSWORD
from tests.focus import ids_given_more_than_once

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


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The demo partnership and an object behind every URL, built once for this module's ~1,700 requests
    rather than once per request. The module runs inside one transaction that is rolled back at its end; each
    test's own transaction is a savepoint within it, rolled back to this state after the test.
    The cache is emptied first: an earlier module's rolled-back rows free their ids on SQLite, and a person
    cached under an id and access version must never stand for the new person given the same ones."""
    cache.clear()
    django_db_blocker.unblock()
    world = transaction.atomic()
    world.__enter__()
    try:
        demo = seed_demo_partnership(password=TEST_PASSWORD)
        users = demo_users_by_role()
        arguments = url_arguments(demo, users)
        check_what_was_seeded()
    except BaseException:
        world.__exit__(*sys.exc_info())
        raise
    finally:
        django_db_blocker.restore()
    yield demo, users, arguments
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        world.__exit__(None, None, None)


@pytest.fixture
def demo(matrix_world, db):
    return matrix_world[0]


@pytest.fixture
def demo_users(matrix_world, db):
    return matrix_world[1]


@pytest.fixture
def url_args(matrix_world, db):
    return matrix_world[2]


def test_every_url_has_an_expectation():
    assert sorted(set(PROJECT_URLS) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(PROJECT_URLS)) == []


def _admin_kwargs(params):
    values = {"app_label": "accounts", "content_type_id": "1", "object_id": "1", "url": "x"}
    return {param: values.get(param, "1") for param in params}


# Regional staff hold no partnership membership, so outside the regional pages the regional viewer is answered
# exactly as the regional coordinator (test_regional_roles_are_answered_alike_outside_the_region checks the
# table says so): requested as both on the regional pages, and as the coordinator everywhere else.
# The regional pages (the board, the fund, the figures): the only ones where the regional roles differ.
REGIONAL_NAMESPACES = ("regions:", "fund:", "figures:")
CASES = [
    (url_name, role)
    for url_name in PROJECT_URLS
    for role in ROLES
    if role != "regional_viewer" or url_name.startswith(REGIONAL_NAMESPACES)
]


def test_regional_roles_are_answered_alike_outside_the_region():
    for url_name in PROJECT_URLS:
        if not url_name.startswith(REGIONAL_NAMESPACES):
            assert EXPECTED[url_name]["regional_viewer"] == EXPECTED[url_name]["regional_coordinator"], (
                url_name
            )


@pytest.mark.parametrize(("url_name", "role"), CASES)
def test_project_url_access(url_name, role, client_for, url_args):
    url = reverse(url_name, kwargs=url_args.get(url_name))
    response = client_for(role).get(url)
    assert response.status_code == EXPECTED[url_name][role], f"GET {url} as {role}"
    if EXPECTED[url_name][role] == 302 and role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert ids_given_more_than_once(response.content.decode()) == [], f"GET {url} as {role}"


@pytest.mark.parametrize("role", [role for role in ROLES if role != "regional_viewer"])
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
