"""Finding a row by the secret link token it was sent with; what a person's name as shown reads."""

import pytest

from svtoolkit.accounts.models import Invitation, User
from svtoolkit.accounts.selectors import PERSON_LABEL_COLUMNS, holding_token
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_a_secret_link_token_finds_its_row_and_no_token_or_an_unknown_one_finds_none():
    invitation = InvitationFactory(token_hash=Invitation.hash_token("the-secret"))
    InvitationFactory()
    assert holding_token(Invitation.objects.all(), "the-secret") == invitation
    assert holding_token(Invitation.objects.all(), "a-guess") is None
    assert holding_token(Invitation.objects.all(), "") is None


def test_the_token_is_looked_for_only_among_the_rows_given():
    InvitationFactory(token_hash=Invitation.hash_token("the-secret"))
    assert holding_token(Invitation.objects.none(), "the-secret") is None


@pytest.mark.parametrize("full_name", ["Sam Patel", ""])
def test_a_persons_name_as_shown_reads_only_the_person_label_columns(full_name, django_assert_num_queries):
    # Lists of people read only these columns to show names: a name reading any other would cost a query each.
    stored = User.objects.create_user(email="sam@example.org", full_name=full_name)
    person = User.objects.only(*PERSON_LABEL_COLUMNS).get(pk=stored.pk)
    with django_assert_num_queries(0):
        assert str(person) == str(stored) == (full_name or "sam@example.org")
