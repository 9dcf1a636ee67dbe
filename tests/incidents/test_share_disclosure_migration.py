"""Migration 0032 links each disclosure already logged for a share to that share, so the records a share
carried before the upgrade stay open to the other partnership's people on their lists."""

import pytest
from django.core.management import call_command

from svtoolkit import access
from svtoolkit.accounts.models import User
from svtoolkit.incidents.models import Disclosure, IncidentShare, PersonNeedToKnow
from svtoolkit.incidents.services import share_incident
from tests.incidents.builders import SHARE_BASIS, demo_incident, demo_person

BEFORE = ("incidents", "0031_notified_by_fits_a_name_and_organisation")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_share_made_before_the_upgrade_keeps_its_records_open_to_the_other_partnership(
    demo, demo_users, other_partnership
):
    southmoor, membership = other_partnership
    incident = demo_incident(demo, demo_users)[0]
    person = demo_person(incident, demo_users["responder"])
    share_incident(incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS)
    PersonNeedToKnow.objects.create(person=person, user=membership.user, added_by=demo_users["responder"])
    Disclosure.objects.update(share=None)  # as logged before the share was recorded on the disclosure
    reader = User.objects.get(pk=membership.user_id)
    assert not access.can_read_person(reader, southmoor, person)

    call_command("migrate", *BEFORE, verbosity=0)
    call_command("migrate", verbosity=0)

    assert Disclosure.objects.get().share == IncidentShare.objects.get()
    assert access.can_read_person(User.objects.get(pk=membership.user_id), southmoor, person)
