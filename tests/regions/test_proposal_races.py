"""A proposal to share an incident made at the moment one of its partnerships leaves the region: it can never
share the incident outside the region that proposed it.

PostgreSQL only: SQLite takes one writer at a time."""

import pytest
from django.db import connection

from svtoolkit import access
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents.models import IncidentShare
from svtoolkit.partnerships import services as partnership_services
from svtoolkit.regions import services
from svtoolkit.regions.models import ShareProposal
from tests.concurrency import WAIT, Paused, held_by_a_row_being_written, in_thread
from tests.incidents.builders import SHARE_BASIS, demo_incident
from tests.regions.builders import neighbour

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writes overlap only on PostgreSQL"),
]


def test_a_proposal_made_as_its_partnership_leaves_the_region_shares_nothing(demo, demo_users, monkeypatch):
    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)
    checked = Paused(access.may_propose_share)  # the proposal stops once it has found both in the region
    monkeypatch.setattr(access, "may_propose_share", checked)
    thread, proposed = in_thread(
        lambda: services.propose_share(
            region=demo.region,
            incident=incident,
            partnership=other,
            reason="The victim lives in Eastmere.",
            by=demo_users["regional_coordinator"],
        )
    )
    assert checked.reached.wait(WAIT)
    partnership_services.move_to_region(partnership=other, region=None, by=demo_users["coordinator"])
    checked.go.set()
    thread.join(WAIT)

    if "result" in proposed:
        with pytest.raises(DomainError, match="left"):
            services.decide_proposal(
                proposal=proposed["result"], accept=True, basis=SHARE_BASIS, by=demo_users["responder"]
            )
    assert not IncidentShare.objects.filter(incident=incident).exists()


def test_two_coordinators_proposing_the_same_share_at_once_are_told_it_was_proposed_already(demo, demo_users):
    """The defect: the second of two regional coordinators proposing the same share at the same moment got a
    500 (the database's one-open-proposal rule broken), not the page's "has been proposed already"."""
    incident, _ = demo_incident(demo, demo_users)
    other = neighbour(demo)

    def propose():
        return services.propose_share(
            region=demo.region,
            incident=incident,
            partnership=other,
            reason="The victim lives in Eastmere.",
            by=demo_users["regional_coordinator"],
        )

    # Both get past their reads and wait on the proposal row being written, as two proposals sent at once do.
    with held_by_a_row_being_written(
        ShareProposal, incident=incident, region=demo.region, partnership=other, reason="Held."
    ):
        first, one = in_thread(propose)
        second, two = in_thread(propose)
    first.join(WAIT)
    second.join(WAIT)

    errors = [outcome["error"] for outcome in (one, two) if "error" in outcome]
    assert len(errors) == 1, errors
    assert isinstance(errors[0], DomainError), f"{type(errors[0]).__name__}: {errors[0]}"
    assert errors[0].field == "partnership"
    assert "has been proposed already" in str(errors[0])
    assert ShareProposal.objects.filter(incident=incident, partnership=other).count() == 1
