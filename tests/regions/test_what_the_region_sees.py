"""Whatever a partnership records and whatever it chooses to share, a regional viewer never sees people
affected, nor free text (title, summary, scenes) of an incident not shared with the region: on the board, on
the incident's page, or in what the selectors hand the templates."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svtoolkit.partnerships.models import RegionalCategory, RegionalSharing, RegionRole
from svtoolkit.regions import selectors
from tests.conftest import MODEL_BACKEND
from tests.factories import (
    IncidentFactory,
    PartnershipFactory,
    PersonAffectedFactory,
    RegionalShareFactory,
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
    deadline=None,
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
)
def test_a_regional_viewer_never_sees_people_affected_or_unshared_free_text(
    client, regional_viewer, categories, shared, title, summary, scene, area, person, relation, status
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
            pages = [
                client.get(reverse("regions:board", args=[region.slug])).content.decode(),
                client.get(reverse("regions:incident", args=[region.slug, incident.pk])).content.decode(),
            ]
            [on_board] = selectors.board(region, user=viewer)["incidents"]
            raise Rollback
    except Rollback:
        pass
    for page in pages:
        assert incident.reference in page
        assert person not in page and relation not in page
        assert (title in page) == shared and (summary in pages[1]) == shared and (scene in pages[1]) == shared
        assert (area in pages[1]) == (RegionalCategory.AREAS in categories)
    assert (on_board.title is None) == (not shared) and (on_board.scenes is None) == (not shared)
    assert (on_board.status is None) == (RegionalCategory.STATUS not in categories)
    assert (on_board.first_day is None) == (RegionalCategory.PROGRESS not in categories)
    assert not any(person in str(value) for value in vars(on_board).values())
