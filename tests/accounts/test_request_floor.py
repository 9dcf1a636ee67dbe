"""What every request costs before it does anything: the session and the user, and nothing more while the
person's memberships, roles and authenticators are unchanged. A change to them counts on the next request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit import access
from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.partnerships.models import Organisation, Partnership, Region, RegionMembership, RegionRole
from tests.accounts.builders import pass_second_factor
from tests.core.test_outages import HEALTHY_REDIS_URL, use_redis
from tests.factories import RegionFactory
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db

PLAIN_PAGE = "core:accessibility"


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_verified_persons_plain_page_reads_only_the_session_and_the_user(client, demo_users):
    responder = demo_users["responder"]
    client.force_login(responder)
    pass_second_factor(client, responder)
    client.get(reverse("core:home"))  # the first request reads the person's memberships and authenticator

    queries = queries_for(client, reverse(PLAIN_PAGE))

    assert len(queries) == 2, queries
    assert "django_session" in queries[0] and "accounts_user" in queries[1]


def test_not_having_a_second_factor_costs_a_page_no_query(client, demo_users):
    """Someone signed in with a password alone (no authenticator, no partnership requiring one) is asked on
    every page whether they have an authenticator and whether they must set one up: answered from what the
    request already holds, not by two more queries (the yardstick page cost 4 queries, not 2)."""
    responder = demo_users["responder"]
    pages = [reverse("core:home"), reverse("incidents:list")]
    client.force_login(responder)
    client.get(reverse("core:home"))
    unverified_queries = [queries_for(client, page) for page in pages]

    pass_second_factor(client, responder)
    client.get(reverse("core:home"))
    verified_queries = [len(queries_for(client, page)) for page in pages]

    assert [len(queries) for queries in unverified_queries] == verified_queries
    asked = " ".join(sql for queries in unverified_queries for sql in queries)
    assert "otp_totp_totpdevice" not in asked and "require_two_factor" not in asked


def test_a_partnership_requiring_two_factor_counts_on_its_members_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:list")).status_code == 200

    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])

    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor_setup")


def test_an_authenticator_confirmed_elsewhere_is_asked_for_on_the_next_request(client, demo_users):
    responder = demo_users["responder"]
    client.force_login(responder)
    assert client.get(reverse("incidents:list")).status_code == 200

    TOTPDevice.objects.create(user=responder, name="Phone", confirmed=True)

    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor_verify"))


def test_with_redis_the_session_is_read_from_redis_and_only_the_user_from_the_database(
    client, settings, demo_users
):
    use_redis(settings, HEALTHY_REDIS_URL)
    responder = demo_users["responder"]
    client.force_login(responder)
    client.get(reverse("core:home"))

    queries = queries_for(client, reverse(PLAIN_PAGE))

    assert len(queries) == 1, queries
    assert "accounts_user" in queries[0]


def test_being_active_is_written_to_the_session_at_most_once_a_minute(client, demo_users, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client.force_login(demo_users["responder"])
    client.get(reverse(PLAIN_PAGE))

    time_machine.move_to(start + timedelta(seconds=59), tick=False)
    assert not any(sql.startswith("UPDATE") for sql in queries_for(client, reverse(PLAIN_PAGE)))
    time_machine.move_to(start + timedelta(seconds=61), tick=False)
    assert any(sql.startswith("UPDATE") for sql in queries_for(client, reverse(PLAIN_PAGE)))


def test_a_role_changed_by_a_coordinator_counts_on_the_persons_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:record")).status_code == 200

    membership = Membership.objects.get(user=demo_users["responder"], partnership=demo)
    membership.role = Role.VIEWER
    membership.save()

    assert client.get(reverse("incidents:record")).status_code == 403


def test_a_role_changed_on_the_members_page_counts_on_the_persons_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:record")).status_code == 200

    coordinator = Client()
    coordinator.force_login(demo_users["coordinator"], backend="svtoolkit.accounts.backends.PersonBackend")
    membership = Membership.objects.get(user=demo_users["responder"], partnership=demo)
    page = reverse("accounts:member_edit", args=[membership.pk])
    changed = coordinator.post(
        page, form_on(coordinator.get(page), having="revision") | {"role": Role.VIEWER}
    )
    assert changed.status_code == 302

    assert client.get(reverse("incidents:record")).status_code == 403


def test_a_removed_membership_counts_on_the_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:list")).status_code == 200

    Membership.objects.get(user=demo_users["responder"], partnership=demo).delete()

    assert client.get(reverse("incidents:list")).status_code == 403


def test_a_partnership_closed_counts_on_the_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:list")).status_code == 200

    demo.is_active = False
    demo.save()

    assert client.get(reverse("incidents:list")).status_code == 403


def test_an_organisation_renamed_shows_on_the_next_request(client, demo, demo_users):
    client.force_login(demo_users["police"])
    organisation = Membership.objects.get(user=demo_users["police"], partnership=demo).organisation
    client.get(reverse("core:home"))

    organisation.name = "Riverside Constabulary (renamed)"
    organisation.save()

    assert client.get(reverse("core:home")).wsgi_request.membership.organisation.name == organisation.name


def test_a_regional_role_given_counts_on_the_next_request(client, demo, demo_users):
    coordinator = demo_users["coordinator"]
    client.force_login(coordinator)
    region = RegionFactory()
    assert not access.may_view_region(client.get(reverse("core:home")).wsgi_request.user, region)

    RegionMembership.objects.create(region=region, user=coordinator, role=RegionRole.VIEWER)

    assert access.may_view_region(client.get(reverse("core:home")).wsgi_request.user, region)


def _lowered_by_an_update(membership):
    Membership.objects.filter(pk=membership.pk).update(role=Role.VIEWER)


def _lowered_by_a_bulk_update(membership):
    membership.role = Role.VIEWER
    Membership.objects.bulk_update([membership], ["role"])


def _partnership_closed_by_an_update(membership):
    Partnership.objects.filter(pk=membership.partnership_id).update(is_active=False)


@pytest.mark.parametrize(
    "change",
    [
        _lowered_by_an_update,
        _lowered_by_a_bulk_update,
        _partnership_closed_by_an_update,
    ],
)
def test_access_changed_by_an_update_or_a_bulk_write_counts_on_the_persons_next_request(
    client, demo, demo_users, change
):
    """A queryset update or bulk write sends no post_save: a person whose role was lowered this way kept
    recording incidents until the cache expired, 12 hours later."""
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:record")).status_code == 200

    change(Membership.objects.get(user=demo_users["responder"], partnership=demo))

    assert client.get(reverse("incidents:record")).status_code == 403


def test_a_membership_given_in_bulk_counts_on_the_persons_next_request(client, demo, demo_users):
    """As the demo seeding gives one to a person it finds without it."""
    responder = demo_users["responder"]
    Membership.objects.filter(user=responder, partnership=demo).delete()
    client.force_login(responder)
    assert client.get(reverse("incidents:list")).status_code == 403

    Membership.objects.bulk_create([Membership(user=responder, partnership=demo, role=Role.VIEWER)])

    assert client.get(reverse("incidents:list")).status_code == 200


def test_two_factor_required_by_an_update_counts_on_the_members_next_request(client, demo, demo_users):
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:list")).status_code == 200

    Partnership.objects.filter(pk=demo.pk).update(require_two_factor=True)

    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor_setup")


def test_an_organisation_renamed_by_an_update_shows_on_the_next_request(client, demo, demo_users):
    client.force_login(demo_users["police"])
    organisation = Membership.objects.get(user=demo_users["police"], partnership=demo).organisation
    client.get(reverse("core:home"))

    Organisation.objects.filter(pk=organisation.pk).update(name="Riverside Constabulary (renamed)")

    membership = client.get(reverse("core:home")).wsgi_request.membership
    assert membership.organisation.name == "Riverside Constabulary (renamed)"


def test_regional_roles_given_and_lowered_in_bulk_count_on_the_next_request(client, demo, demo_users):
    coordinator = demo_users["coordinator"]
    client.force_login(coordinator)
    region = RegionFactory()
    assert not access.may_view_region(client.get(reverse("core:home")).wsgi_request.user, region)

    RegionMembership.objects.bulk_create(
        [RegionMembership(region=region, user=coordinator, role=RegionRole.VIEWER)]
    )
    user = client.get(reverse("core:home")).wsgi_request.user
    assert access.may_view_region(user, region) and not access.may_coordinate_region(user, region)

    RegionMembership.objects.filter(region=region).update(role=RegionRole.COORDINATOR)
    assert access.may_coordinate_region(client.get(reverse("core:home")).wsgi_request.user, region)


def test_a_region_deleted_takes_its_partnerships_out_of_it_on_their_members_next_request(
    client, demo, demo_users
):
    client.force_login(demo_users["coordinator"])
    assert client.get(reverse("core:home")).wsgi_request.membership.partnership.region_id is not None

    Region.objects.filter(pk=demo.region_id).delete()

    assert client.get(reverse("core:home")).wsgi_request.membership.partnership.region_id is None


def test_an_authenticator_removed_ends_the_sessions_verification_on_the_next_request(client, demo_users):
    responder = demo_users["responder"]
    client.force_login(responder)
    device = pass_second_factor(client, responder)
    assert client.get(reverse("core:home")).status_code == 200

    TOTPDevice.objects.get(pk=device.pk).delete()

    assert client.get(reverse("core:home")).wsgi_request.user.is_verified() is False


def test_a_person_read_before_a_change_does_not_write_the_older_version_back(demo, demo_users):
    stale = User.objects.get(pk=demo_users["responder"].pk)
    Membership.objects.filter(user=stale, partnership=demo).get().delete()

    stale.full_name = "Renamed Responder"
    stale.save()

    fresh = User.objects.get(pk=stale.pk)
    assert fresh.full_name == "Renamed Responder"
    assert fresh.access_version > stale.access_version


def test_with_redis_a_session_signed_out_no_longer_opens_pages(client, settings, demo_users):
    use_redis(settings, HEALTHY_REDIS_URL)
    client.force_login(demo_users["responder"])
    assert client.get(reverse("incidents:list")).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("accounts:logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, kept by someone

    assert client.get(reverse("incidents:list")).status_code == 302


def test_someone_else_with_the_same_id_and_version_is_never_given_the_first_persons_roles(demo):
    """Another database sharing the cache (the test suite and a benchmark both on Redis's database 14) has
    people with the same ids and access versions: the benchmark's coordinator was refused recording an
    incident (403) because the cache held the roles of the test database's person with the same id."""
    first = User.objects.create_user(email="first@example.org", password="first-password-123")
    Membership.objects.create(user=first, partnership=demo, role=Role.COORDINATOR)
    first = User.objects.get(pk=first.pk)
    assert access.role_in(first, demo) == Role.COORDINATOR
    pk, version = first.pk, first.access_version
    User.objects.filter(pk=pk).delete()

    second = User.objects.create_user(email="second@example.org", password="second-password-456", pk=pk)
    Membership.objects.create(user=second, partnership=demo, role=Role.VIEWER)
    User.objects.filter(pk=pk).update(access_version=version)

    assert access.role_in(User.objects.get(pk=pk), demo) == Role.VIEWER
