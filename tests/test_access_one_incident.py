"""One incident, or one of its actions, found through the access rule by a statement kept on the connection
(access.visible_incident, access.RecordsOfVisibleIncident, docs/decisions/0026): found exactly when the
rule's queryset finds it, for every kind of viewer, read as the ORM reads it, and every change to what the
rule reads (a share, a partner's part, a role, a membership, the incident's status) seen on the next request.
The statement holds the SQL alone, never anyone's values."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from svtoolkit import access
from svtoolkit.accounts import services as account_services
from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.incidents import services
from svtoolkit.incidents.models import Incident, IncidentShare, IncidentStatus, PlanAction
from tests.factories import (
    ExerciseFactory,
    IncidentFactory,
    IncidentShareFactory,
    MembershipFactory,
    PlanActionFactory,
)
from tests.incidents.builders import SHARE_BASIS, demo_incident, recorded_incident

pytestmark = pytest.mark.django_db

ACTION_WITH = ("incident__partnership",)
# Every set of rows the pages find an incident with.
INCIDENT_READS = (access.INCIDENT_WITH, ("partnership",), ())


def _fields(record) -> list:
    return [(name, getattr(record, name)) for name in (f.attname for f in record._meta.concrete_fields)]


def _found_incident(user, partnership, incident_id, related):
    try:
        return access.visible_incident(user, partnership, incident_id, related=related)
    except Http404:
        return None


def _viewers(demo, demo_users, southmoor, southmoor_coordinator):
    """Everyone who might look, each in the partnership they look from: every demo role (partners among
    them), a member of another partnership looking from it and from this one, a partner with no organisation
    (made directly: the services refuse one) and someone of no partnership."""
    orphan = MembershipFactory(partnership=demo, role=Role.PARTNER, organisation=None).user
    viewers = [(role, user, demo) for role, user in demo_users.items()]
    return [
        *viewers,
        ("southmoor", southmoor_coordinator.user, southmoor),
        ("southmoor in northbridge", southmoor_coordinator.user, demo),
        ("partner of no organisation", User.objects.get(pk=orphan.pk), demo),
        ("no one's member", MembershipFactory(partnership=southmoor).user, None),
    ]


def test_an_incident_or_its_action_is_found_exactly_when_the_rules_queryset_finds_it(
    demo, demo_users, other_partnership
):
    southmoor, southmoor_coordinator = other_partnership
    taken_part_in, _ = demo_incident(demo, demo_users)  # the police take part
    no_one_takes_part = recorded_incident(demo, demo_users["responder"])
    no_participants = IncidentFactory(partnership=demo, sequence=900)  # no organisation at all takes part
    shared_in = IncidentFactory(partnership=southmoor)
    IncidentShareFactory(incident=shared_in, partnership=demo)
    shared_out = recorded_incident(demo, demo_users["responder"])
    IncidentShareFactory(incident=shared_out, partnership=southmoor)
    elsewhere = IncidentFactory(partnership=southmoor)
    incidents = [taken_part_in, no_one_takes_part, no_participants, shared_in, shared_out, elsewhere]
    for incident in incidents:
        PlanActionFactory(incident=incident)
    actions = {incident.pk: incident.actions.order_by("pk").first() for incident in incidents}
    seen = set()
    for name, user, partnership in _viewers(demo, demo_users, southmoor, southmoor_coordinator):
        for incident in incidents:
            visible = access.visible_incidents(user, partnership).filter(pk=incident.pk)
            expected = visible.exists()
            for related in INCIDENT_READS:
                found = _found_incident(user, partnership, incident.pk, related)
                assert (found is not None) == expected, (name, incident.title, related)
                # An id given as text is found by the ORM, as before, with the same answer.
                by_text = _found_incident(user, partnership, str(incident.pk), related)
                assert (by_text is not None) == expected, (name, incident.title, related)
            action = actions[incident.pk]
            of_incident = access.RecordsOfVisibleIncident(PlanAction, incident.pk, related=ACTION_WITH)
            assert (of_incident.find(user, partnership, action.pk) is not None) == expected, (name, incident)
            # An action is found only as one of the incident named.
            for other in incidents:
                if other.pk != incident.pk:
                    wrong = access.RecordsOfVisibleIncident(PlanAction, other.pk, related=ACTION_WITH)
                    assert wrong.find(user, partnership, action.pk) is None
            if expected:
                seen.add((name, incident.pk))
    # An id past any there is (the addresses take ids up to 2**63 - 1) is no one's.
    assert _found_incident(demo_users["coordinator"], demo, 2**63 - 1, access.INCIDENT_WITH) is None
    # The grid holds both answers for partners and others alike.
    assert ("police", taken_part_in.pk) in seen and ("police", no_one_takes_part.pk) not in seen
    assert ("coordinator", shared_in.pk) in seen and ("coordinator", elsewhere.pk) not in seen
    assert ("southmoor", shared_out.pk) in seen and ("southmoor", taken_part_in.pk) not in seen


def test_a_partner_of_no_organisation_sees_no_incident(client, demo, demo_users):
    """Such a membership is refused by the services; one made directly (the admin) must not read "no
    organisation" as every incident that no organisation takes part in: it sees none, listed or by its id."""
    nobody_takes_part = IncidentFactory(partnership=demo, sequence=900)
    action = PlanActionFactory(incident=nobody_takes_part)
    taken_part_in, _ = demo_incident(demo, demo_users)
    orphan = User.objects.get(
        pk=MembershipFactory(partnership=demo, role=Role.PARTNER, organisation=None).user_id
    )
    assert not access.visible_incidents(orphan, demo).exists()
    for incident in (nobody_takes_part, taken_part_in):
        for incident_id in (incident.pk, str(incident.pk)):
            assert _found_incident(orphan, demo, incident_id, access.INCIDENT_WITH) is None
    records = access.RecordsOfVisibleIncident(PlanAction, nobody_takes_part.pk, related=ACTION_WITH)
    assert records.find(orphan, demo, action.pk) is None
    client.force_login(orphan, backend="svtoolkit.accounts.backends.PersonBackend")
    assert client.get(reverse("incidents:incident", args=[nobody_takes_part.pk])).status_code == 404
    listed = client.get(reverse("incidents:list"))
    assert nobody_takes_part.reference not in listed.content.decode()


def test_the_incident_and_action_found_are_read_as_the_orm_reads_them(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    exercise = ExerciseFactory(partnership=demo)
    practised = recorded_incident(demo, demo_users["responder"], exercise=exercise)
    coordinator = demo_users["coordinator"]
    for shown in (incident, practised):
        expected = Incident.objects.select_related(*access.INCIDENT_WITH).get(pk=shown.pk)
        found = access.visible_incident(coordinator, demo, shown.pk)
        assert _fields(found) == _fields(expected)
        assert [type(value) for _, value in _fields(found)] == [type(value) for _, value in _fields(expected)]
        assert found._state.db == expected._state.db and not found._state.adding
        for related in access.INCIDENT_WITH:
            assert Incident._meta.get_field(related).is_cached(found)
            found_row, expected_row = getattr(found, related), getattr(expected, related)
            assert (found_row and _fields(found_row)) == (expected_row and _fields(expected_row))
    assert access.visible_incident(coordinator, demo, practised.pk).exercise == exercise
    assert access.visible_incident(coordinator, demo, incident.pk).exercise is None
    bare = access.visible_incident(coordinator, demo, incident.pk, related=())
    assert not Incident._meta.get_field("partnership").is_cached(bare)
    records = access.RecordsOfVisibleIncident(PlanAction, incident.pk, related=ACTION_WITH)
    with CaptureQueriesContext(connection) as captured:
        planned = records.find(coordinator, demo, action.pk)
        assert planned.incident.partnership == demo
    assert len(captured) == 1  # the action, its incident and partnership, and the shares, in one statement
    assert _fields(planned) == _fields(PlanAction.objects.get(pk=action.pk))
    assert _fields(planned.incident) == _fields(Incident.objects.get(pk=incident.pk))


# --- Every change the rule reads, seen on the next request -------------------------------------------------


def _status(client, url) -> int:
    return client.get(url).status_code


def _action_page(incident, action) -> str:
    return reverse("incidents:action", args=[incident.pk, action.pk])


def test_an_incident_shared_and_unshared_is_seen_and_then_not_on_the_next_request(
    client, demo, demo_users, other_partnership
):
    southmoor, southmoor_coordinator = other_partnership
    incident, action = demo_incident(demo, demo_users)
    client.force_login(southmoor_coordinator.user)
    pages = [_action_page(incident, action), reverse("incidents:update", args=[incident.pk])]
    assert [_status(client, url) for url in pages] == [404, 404]  # the statements are now kept
    services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    assert [_status(client, url) for url in pages] == [200, 200]
    IncidentShare.objects.filter(incident=incident, partnership=southmoor).delete()
    assert [_status(client, url) for url in pages] == [404, 404]


def test_a_partner_whose_organisation_stops_taking_part_no_longer_finds_the_incident(
    client, demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    client.force_login(demo_users["police"])
    url = _action_page(incident, action)
    assert _status(client, url) == 200
    incident.participations.filter(organisation__kind="police").delete()
    assert _status(client, url) == 404


def test_a_responder_made_a_partner_of_an_organisation_taking_no_part_no_longer_finds_the_incident(
    client, demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    client.force_login(responder)
    pages = [_action_page(incident, action), reverse("incidents:update", args=[incident.pk])]
    assert [_status(client, url) for url in pages] == [200, 200]
    hospital = demo_users["health"].memberships.get().organisation
    made_a_partner = {"role": Role.PARTNER, "organisation": hospital}
    Membership.objects.filter(user=responder, partnership=demo).update(**made_a_partner)
    assert [_status(client, url) for url in pages] == [404, 404]
    services.add_participant(
        incident=incident, organisation=hospital, contact=None, by=demo_users["coordinator"]
    )
    # Found again; the action, owned by the police, is not the hospital's to update.
    assert [_status(client, url) for url in pages] == [403, 200]


def test_a_member_taken_out_of_the_partnership_no_longer_reaches_the_incident(client, demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    viewer = demo_users["viewer"]
    client.force_login(viewer)
    url = reverse("incidents:incident", args=[incident.pk])
    assert _status(client, url) == 200
    account_services.remove_member(
        membership=Membership.objects.get(user=viewer, partnership=demo), by=demo_users["coordinator"]
    )
    assert _status(client, url) in {403, 404}
    assert _status(client, _action_page(incident, action)) in {403, 404}


def test_an_incident_closed_refuses_the_next_change_though_its_statement_was_kept(client, demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    client.force_login(demo_users["responder"])
    url = reverse("incidents:update", args=[incident.pk])
    assert client.post(url, {"text": "Patrol completed."}).status_code == 302
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)
    assert client.post(url, {"text": "Patrol completed."}).status_code == 403
    assert _status(client, _action_page(incident, action)) == 200  # still read
