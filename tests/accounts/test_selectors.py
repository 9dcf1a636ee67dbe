"""Finding a row by the secret link token it was sent with."""

import pytest

from svtoolkit.accounts.models import Invitation
from svtoolkit.accounts.selectors import holding_token
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
