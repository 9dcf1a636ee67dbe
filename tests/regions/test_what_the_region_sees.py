"""Whatever a partnership records and whatever it chooses to share, a regional viewer never sees people
affected, nor free text (title, summary, scenes) of an incident not shared with the region: on the board, on
the incident's page, or in what the selectors hand the templates."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svtoolkit.incidents.models import LinkKind
from svtoolkit.partnerships.models import RegionalCategory, RegionalSharing, RegionRole
from svtoolkit.regions import selectors
from tests.conftest import MODEL_BACKEND
from tests.factories import (
    IncidentFactory,
    IncidentLinkFactory,
    PartnershipFactory,
    PersonAffectedFactory,
    RegionalShareFactory,
    RegionFactory,
    RegionMembershipFactory,
    SceneFactory,
)

pytestmark = pytest.mark.django_db


def marked(prefix):
    """Text a person might type, marked so it cannot be found on a page by chance."""
    return st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12).map(
        lambda t: f"{prefix}{t}"
    )


class Rollback(Exception):
    pass


@pytest.fixture
def regional_viewer():
    membership = RegionMembershipFactory(role=RegionRole.VIEWER)
    return membership.region, membership.user


@settings(
    max_examples=30,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    categories=st.sets(st.sampled_from(RegionalCategory.values)),
    shared=st.booleans(),
    title=marked("Titlemark"),
    summary=marked("Summarymark"),
    scene=marked("Scenemark"),
    area=marked("Areamark"),
    person=marked("Personmark"),
    relation=marked("Relationmark"),
    status=st.sampled_from(["alerted", "reported", "responding", "recovery"]),
    linked=st.fixed_dictionaries(
        {
            "categories": st.sets(st.sampled_from(RegionalCategory.values)),
            "shared": st.booleans(),
            "title": marked("Othertitlemark"),
            "area": marked("Otherareamark"),
            "person": marked("Otherpersonmark"),
            "reason": marked("Reasonmark"),
            "kind": st.sampled_from(LinkKind.values),
        }
    ),
)
def test_a_regional_viewer_never_sees_people_affected_or_unshared_free_text(
    client, regional_viewer, categories, shared, title, summary, scene, area, person, relation, status, linked
):
    region, viewer = regional_viewer
    client.force_login(viewer, backend=MODEL_BACKEND)
    try:
        with transaction.atomic():
            borough = PartnershipFactory(region=region)
            RegionalSharing.objects.create(partnership=borough, categories=sorted(categories))
            incident = IncidentFactory(partnership=borough, title=title, summary=summary, status=status)
            SceneFactory(incident=incident, description=scene, area=area)
            PersonAffectedFactory(incident=incident, name=person, relation=relation)
            if shared:
                RegionalShareFactory(incident=incident)
            # An incident of a neighbouring borough linked to this one (possible retaliation, say), with its
            # own sharing choices; and links to incidents the region may not know exist at all.
            neighbour = PartnershipFactory(region=region)
            RegionalSharing.objects.create(partnership=neighbour, categories=sorted(linked["categories"]))
            other = IncidentFactory(partnership=neighbour, title=linked["title"], status="closed")
            SceneFactory(incident=other, area=linked["area"])
            PersonAffectedFactory(incident=other, name=linked["person"])
            if linked["shared"]:
                RegionalShareFactory(incident=other)
            IncidentLinkFactory(incident=other, linked=incident, kind=linked["kind"], reason=linked["reason"])
            unseen = [
                IncidentFactory(partnership=borough, is_exercise=True),
                IncidentFactory(partnership=PartnershipFactory(region=RegionFactory())),
            ]
            for hidden in unseen:
                IncidentLinkFactory(incident=incident, linked=hidden, reason=linked["reason"])
            pages = [
                client.get(reverse("regions:board", args=[region.slug])).content.decode(),
                client.get(reverse("regions:incident", args=[region.slug, incident.pk])).content.decode(),
            ]
            board = selectors.board(region, user=viewer)["incidents"]
            raise Rollback
    except Rollback:
        pass
    # On the board only where the region may see that it is open (by leaving it, it would say it closed).
    on_the_board = RegionalCategory.STATUS in categories
    if not on_the_board:
        assert board == [] and incident.reference not in pages[0]
        pages = pages[1:]
    for page in pages:
        assert incident.reference in page
        assert person not in page and relation not in page
        assert (
            (title in page) == shared and (summary in pages[-1]) == shared and (scene in pages[-1]) == shared
        )
        assert (area in pages[-1]) == (RegionalCategory.AREAS in categories)
    if on_the_board:
        [on_board] = board
        assert (on_board.title is None) == (not shared) and (on_board.scenes is None) == (not shared)
        assert on_board.status is not None
        assert (on_board.first_day is None) == (RegionalCategory.PROGRESS not in categories)
        assert not any(person in str(value) for value in vars(on_board).values())
    # The link is shown on both pages (its kind, the other incident by reference); the other incident only as
    # far as its borough shares it; the reason typed only on the incident's page, when both are shared.
    kind = LinkKind(linked["kind"]).label
    for page in pages:
        assert other.reference in page and kind in page
        assert linked["person"] not in page
        assert not any(hidden.reference in page for hidden in unseen)
    assert (linked["reason"] in pages[-1]) == (shared and linked["shared"])
    assert (linked["title"] in pages[-1]) == linked["shared"]
    assert RegionalCategory.AREAS in linked["categories"] or linked["area"] not in pages[-1]
    if on_the_board:
        assert linked["title"] not in pages[0] and linked["reason"] not in pages[0]
        [link] = on_board.links
        assert (link.kind, link.other.reference) == (kind, other.reference)
        assert link.other.title is None and link.reason is None
