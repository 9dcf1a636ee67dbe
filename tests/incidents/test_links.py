"""Linked incidents (issue 16, the plan item 8): possible retaliation, the same place, peer group or people; a
link may cross partnerships, and someone who may not see the other incident learns only that a link exists and
whom to ask."""

import pytest
from django.urls import reverse

from svtoolkit.accounts.models import Role
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents.links import services
from svtoolkit.incidents.links.selectors import links_of
from svtoolkit.incidents.models import Incident, IncidentLink, TimelineEntry
from tests.factories import IncidentFactory, MembershipFactory
from tests.incidents.builders import demo_incident
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db

REASON = "Friends of the first victim were seen near the second scene the next evening."


@pytest.fixture
def two_incidents(demo, demo_users):
    first, _ = demo_incident(demo, demo_users)
    second, _ = demo_incident(demo, demo_users)
    return first, second


@pytest.fixture
def other_borough_incident():
    """An incident of a neighbouring partnership, with its coordinator to ask."""
    coordinator = MembershipFactory(role=Role.COORDINATOR, user__full_name="Amira Khan")
    return IncidentFactory(partnership=coordinator.partnership, title="Shooting at the Riverside estate")


def _link(incident, other, by, **changes):
    fields = {"reference": other.reference, "kind": "retaliation", "reason": REASON, **changes}
    return services.link_incidents(incident=incident, by=by, **fields)


def test_a_link_shows_on_both_incidents_with_its_kind_and_reason(client_for, two_incidents, demo_users):
    first, second = two_incidents
    _link(first, second, demo_users["responder"])
    for here, there in ((first, second), (second, first)):
        page = client_for("responder").get(reverse("incidents:incident", args=[here.pk])).content.decode()
        assert there.reference in page and there.title in page
        assert "Possible retaliation" in page and REASON in page
    assert TimelineEntry.objects.filter(
        incident=second, text__contains="linked one of its incidents"
    ).exists()


def test_a_reference_is_found_whatever_its_case_and_spaces(two_incidents, demo_users):
    first, second = two_incidents
    link = _link(first, second, demo_users["responder"], reference=f"  {second.reference.lower()} ")
    assert link.linked == second


@pytest.mark.parametrize(
    "reference, message",
    [
        ("NB-1999-9999", "No incident has the reference NB-1999-9999"),
        ("itself", "cannot be linked to itself"),
        ("again", "already linked"),
    ],
)
def test_a_link_that_cannot_be_made_is_refused_on_the_reference(
    client_for, two_incidents, demo_users, reference, message
):
    first, second = two_incidents
    _link(second, first, demo_users["responder"])  # the other way round: linking again is still refused
    typed = {"itself": first.reference, "again": second.reference}.get(reference, reference)
    response = client_for("responder").post(
        reverse("incidents:link_add", args=[first.pk]),
        {"reference": typed, "kind": "same_place", "reason": REASON},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and message in page
    assert 'href="#id_reference"' in page
    assert IncidentLink.objects.count() == 1


@pytest.mark.parametrize("exercise", ["first", "second"])
def test_an_exercise_and_a_real_incident_are_never_linked(two_incidents, demo_users, exercise):
    first, second = two_incidents
    Incident.objects.filter(pk=(first if exercise == "first" else second).pk).update(is_exercise=True)
    first.refresh_from_db()
    entries = TimelineEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        _link(first, second, demo_users["responder"])
    assert refused.value.field == "reference"
    assert refused.value.message.startswith("An exercise and a real incident cannot be linked")
    assert not IncidentLink.objects.exists() and TimelineEntry.objects.count() == entries
    Incident.objects.filter(pk__in=[first.pk, second.pk]).update(is_exercise=True)
    first.refresh_from_db()
    assert _link(first, second, demo_users["responder"]).linked == second  # within one exercise


def test_the_form_asks_for_each_part(client_for, two_incidents):
    first, _ = two_incidents
    empty = {"reference": "", "reason": ""}
    page = (
        client_for("responder").post(reverse("incidents:link_add", args=[first.pk]), empty).content.decode()
    )
    for message in ("Enter the other incident", "Choose how the incidents might be connected", "Enter why"):
        assert message in page
    assert not IncidentLink.objects.exists()


def test_a_link_across_partnerships_hides_the_other_incident_from_those_who_may_not_see_it(
    client_for, two_incidents, other_borough_incident, demo_users
):
    first, _ = two_incidents
    _link(first, other_borough_incident, demo_users["responder"], kind="peer_group")
    page = client_for("responder").get(reverse("incidents:incident", args=[first.pk])).content.decode()
    assert f"An incident of {other_borough_incident.partnership.name} is linked to this one" in page
    assert "Amira Khan" in page
    for hidden in (other_borough_incident.reference, other_borough_incident.title, "Same peer group", REASON):
        assert hidden not in page


def test_the_other_partnership_sees_the_link_but_not_our_incident(
    client, two_incidents, other_borough_incident, demo_users
):
    first, _ = two_incidents
    _link(first, other_borough_incident, demo_users["responder"])
    coordinator = other_borough_incident.partnership.memberships.get().user
    client.force_login(coordinator)
    session = client.session
    session["partnership_id"] = other_borough_incident.partnership_id
    session.save()
    page = client.get(reverse("incidents:incident", args=[other_borough_incident.pk])).content.decode()
    assert f"An incident of {first.partnership.name} is linked to this one" in page
    assert first.title not in page and REASON not in page


def test_a_viewer_sees_links_but_is_not_offered_to_add_one(client_for, two_incidents, demo_users):
    first, second = two_incidents
    _link(first, second, demo_users["responder"])
    page = client_for("viewer").get(reverse("incidents:incident", args=[first.pk])).content.decode()
    assert second.reference in page and "Link another incident" not in page


def test_a_link_made_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    two_incidents, demo_users
):
    """The defect: an incident closed since its page was opened could still be linked from that page, writing
    on its timeline. Now the link is refused and nothing is written: a closed incident is kept as it was
    closed."""
    first, second = two_incidents
    as_opened = Incident.objects.get(pk=first.pk)
    closed(first, demo_users["responder"])
    entries = TimelineEntry.objects.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        _link(as_opened, second, demo_users["responder"])
    assert not IncidentLink.objects.exists()
    assert TimelineEntry.objects.count() == entries


def test_a_new_incident_is_linked_to_a_closed_one_whose_timeline_stays_as_it_was_closed(
    client_for, two_incidents, demo_users
):
    """The defect: linking a new incident to a closed one (possible retaliation for it) wrote a note on the
    closed incident's timeline. Now the link is made and shows on both, and the closed incident's timeline is
    left as it was closed."""
    old, new = two_incidents
    closed(old, demo_users["responder"])
    entries = old.timeline.count()
    _link(new, old, demo_users["responder"])
    assert old.timeline.count() == entries
    page = client_for("responder").get(reverse("incidents:incident", args=[old.pk])).content.decode()
    assert new.reference in page and REASON in page


def test_linking_is_audited(two_incidents, demo_users):
    from svtoolkit.audit.models import AuditEntry

    first, second = two_incidents
    link = _link(first, second, demo_users["responder"])
    assert AuditEntry.objects.filter(target_id=str(link.pk), detail__linked=second.reference).exists()


def test_the_service_refuses_an_unknown_reference_with_the_field(two_incidents, demo_users):
    first, _ = two_incidents
    with pytest.raises(DomainError) as refused:
        _link(first, first, demo_users["responder"], reference="NOPE-1")
    assert refused.value.field == "reference"


def test_an_incident_without_links_reads_nothing_more_for_its_panel(
    two_incidents, demo, demo_users, django_assert_num_queries
):
    incident, _ = two_incidents
    with django_assert_num_queries(1):  # the links themselves; none, so no one's visibility is worked out
        assert links_of(incident, user=demo_users["responder"], partnership=demo) == []
