"""core.statements.OneRow: one row read by a statement compiled once a connection, as the ORM reads it, and
refused when its query would not be the same statement for every request."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from svtoolkit.accounts.models import Membership, User
from svtoolkit.core.statements import OneRow

pytestmark = pytest.mark.django_db


def _fields(record) -> list:
    return [getattr(record, field.attname) for field in record._meta.concrete_fields]


def test_a_row_and_the_rows_it_joins_are_read_as_the_orm_reads_them(demo, demo_users):
    membership = Membership.objects.get(user=demo_users["police"])
    statement = OneRow(
        Membership,
        lambda user: Membership.objects.select_related("user", "partnership", "organisation").filter(
            user=user
        ),
        "user",
    )
    expected = Membership.objects.select_related("user", "partnership", "organisation").get(pk=membership.pk)

    found = statement.get(user=demo_users["police"].pk)

    assert _fields(found) == _fields(expected) and not found._state.adding
    for related in ("user", "partnership", "organisation"):
        assert _fields(getattr(found, related)) == _fields(getattr(expected, related))
    assert [type(value) for value in _fields(found.user)] == [type(value) for value in _fields(expected.user)]
    assert statement.get(user=0) is None


def test_a_related_row_that_is_not_there_is_read_as_none(demo, demo_users):
    statement = OneRow(
        Membership, lambda pk: Membership.objects.select_related("organisation").filter(pk=pk), "pk"
    )
    coordinator = Membership.objects.get(user=demo_users["coordinator"])
    Membership.objects.filter(pk=coordinator.pk).update(organisation=None)
    assert statement.get(pk=coordinator.pk).organisation is None


def test_the_query_is_built_and_compiled_once_a_connection(demo, demo_users):
    built = []

    def build(pk):
        built.append(pk)
        return User.objects.filter(pk=pk)

    statement = OneRow(User, build, "pk")
    for role in ("coordinator", "responder", "viewer"):
        assert statement.get(pk=demo_users[role].pk) == demo_users[role]
    assert len(built) == 2  # compiled with two sets of stand-ins, then run with each request's ids
    assert all(pk < 0 for pk in built)
    assert statement in connection._svtoolkit_statements


def test_more_than_one_row_is_refused_as_get_refuses_it(demo):
    with pytest.raises(User.MultipleObjectsReturned):
        OneRow(User, lambda after: User.objects.filter(pk__gt=after), "after").get(after=0)


def test_a_query_with_a_value_of_its_own_is_refused(demo):
    """Such a value (a time, a status) would be kept as it was when the statement was first compiled."""
    joined = OneRow(User, lambda pk: User.objects.filter(pk=pk, date_joined__lte=timezone.now()), "pk")
    with pytest.raises(ImproperlyConfigured):
        joined.get(pk=1)


def test_a_query_leaving_a_value_out_or_changing_with_the_values_is_refused(demo):
    left_out = OneRow(User, lambda pk, other: User.objects.filter(pk=pk), "pk", "other")
    with pytest.raises(ImproperlyConfigured):
        left_out.get(pk=1, other=2)
    built = []

    def changing(pk):
        built.append(pk)
        users = User.objects.filter(pk=pk)
        return users.filter(email__isnull=False) if len(built) > 1 else users

    with pytest.raises(ImproperlyConfigured):
        OneRow(User, changing, "pk").get(pk=1)


def test_what_is_not_a_plain_row_of_its_model_is_refused(demo):
    for build in (
        lambda pk: User.objects.filter(pk=pk).prefetch_related("memberships"),
        lambda pk: User.objects.filter(pk=pk).values("email"),
        lambda pk: Membership.objects.filter(pk=pk),
    ):
        with pytest.raises(ImproperlyConfigured):
            OneRow(User, build, "pk").get(pk=1)


@pytest.mark.parametrize("values", [{"pk": "1"}, {"pk": True}, {"pk": 1, "other": 2}, {}])
def test_values_are_ids_each_named(demo, values):
    with pytest.raises(TypeError):
        OneRow(User, lambda pk: User.objects.filter(pk=pk), "pk").get(**values)
