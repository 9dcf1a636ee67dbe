"""The markup of the incident page's live part (scenes and their police measures, plan progress, the latest
entries and the tables of actions), for each kind of viewer, checked byte for byte against a file written when
it was last changed on purpose (``live_markup.txt`` beside this test).

How the part is drawn may change (its templates, the engine that draws them, how its rows are read); what it
draws may not, unless on purpose. Every text the part shows holds an apostrophe, quotation marks, an
ampersand or a tag, so that its escaping is checked too. Ids, form keys and what the part says it shows (a
digest of its markup), which differ from run to run, are written as names. To accept a deliberate change, run
this test with ``SVTOOLKIT_WRITE_LIVE_MARKUP=1`` and read the difference before committing it."""

import os
import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from svtoolkit.incidents import services
from svtoolkit.incidents.models import Incident, IncidentStatus, PlanAction, SceneMeasure
from tests.factories import (
    IncidentFactory,
    PlanActionFactory,
    SceneFactory,
    SceneMeasureFactory,
    TimelineEntryFactory,
)
from tests.focus import controls_without_an_id_of_their_own, ids_given_more_than_once
from tests.incidents.builders import demo_incident

EXPECTED = Path(__file__).with_name("live_markup.txt")
# A winter evening in London (GMT): the moments shown, and the states of measures and actions, are fixed.
NOW = datetime(2026, 11, 24, 20, 0, tzinfo=ZoneInfo("Europe/London"))
ROLES = ["coordinator", "responder", "police", "viewer"]
TRICKY = "O'Neill's \"corner\" <shop> & café"


@pytest.fixture
def at_a_fixed_moment(time_machine):
    time_machine.move_to(NOW, tick=False)


def _measures(scene, by):
    hour = timedelta(hours=1)
    shown = [
        # In force, placed on the map, with everything a measure can show.
        dict(kind="stop_and_search", starts_at=NOW - hour, ends_at=NOW + 10 * hour, authorised_by=TRICKY),
        # Placed on the map with coordinates that need their zeros.
        dict(kind="cordon", starts_at=NOW - 2 * hour, latitude=Decimal("51.5"), longitude=Decimal("-0.1")),
        dict(
            kind="dispersal_order", starts_at=NOW + 2 * hour, ends_at=NOW + 30 * hour, authorised_by="Insp B"
        ),
        dict(kind="road_closure", starts_at=NOW - 5 * hour, ends_at=NOW - hour),  # expired
        dict(
            kind="rendezvous_point", starts_at=NOW - 28 * hour, lifted_at=NOW - 26 * hour
        ),  # lifted, a day ago
    ]
    for number, fields in enumerate(shown):
        fields.setdefault("latitude", Decimal("51.57150") if number == 0 else None)
        fields.setdefault("longitude", Decimal("-0.07200") if number == 0 else None)
        SceneMeasureFactory(
            scene=scene,
            description=f"Measure {number}: {TRICKY}",
            area=TRICKY if number % 2 == 0 else "",
            added_by=by,
            **fields,
        )


def _actions(incident, demo, demo_users):
    police = demo.organisations.get(kind="police")
    other = demo.organisations.exclude(pk=police.pk).order_by("pk").first()
    hour = timedelta(hours=1)
    rows = [
        dict(
            title=f"Overdue essential {TRICKY}",
            due_at=NOW - 3 * hour,
            essential=True,
            owner_organisation=police,
        ),
        dict(title="Overdue, escalated", due_at=NOW - 2 * hour, owner_organisation=other, escalation_step=1),
        dict(
            title="Overdue, in progress", due_at=NOW - hour, status="in_progress", owner=demo_users["police"]
        ),
        dict(title="Due soon, with a reason", due_at=NOW + 2 * hour, owner_reason=f"Because {TRICKY}"),
        dict(title="Due soon, the police's", due_at=NOW + 5 * hour, owner_organisation=police),
        dict(title="Done, once overdue", due_at=NOW - 4 * hour, status="done", owner_organisation=police),
        dict(title="Not needed", due_at=NOW + hour, status="not_needed", area_title=f"Community {TRICKY}"),
        dict(title="Due next week", due_at=NOW + 170 * hour, owner_organisation=police, area_position=2),
    ]
    for row in rows:
        row.setdefault("area_title", "Leading the response")
        row.setdefault("area_position", 1)
        PlanActionFactory(incident=incident, **row)


@pytest.fixture
def incident(demo, demo_users, at_a_fixed_moment):
    """The demo incident (police taking part), with a second scene without measures, five measures in every
    state at its first, a plan with actions overdue, due soon and done, and entries by someone and by no
    one."""
    incident, _ = demo_incident(demo, demo_users)
    _measures(incident.scenes.get(), demo_users["police"])
    SceneFactory(incident=incident, description=TRICKY, area="")
    _actions(incident, demo, demo_users)
    services.add_update(incident=incident, by=demo_users["responder"], text=f"Update: {TRICKY}\nSecond line")
    TimelineEntryFactory(
        incident=incident, by=None, text=f"Automatic: {TRICKY}", at=NOW - timedelta(minutes=1)
    )
    return incident


def _named(html: str, incident) -> str:
    """The markup with each id written as the name of what it is, and each form key as a name."""
    names = {f"incidents/{incident.pk}/": "incidents/INCIDENT/"}
    for kind, objects in [
        ("scene", incident.scenes.order_by("pk")),
        ("measure", SceneMeasure.objects.filter(scene__incident=incident).order_by("pk")),
        ("action", PlanAction.objects.filter(incident=incident).order_by("pk")),
    ]:
        for number, pk in enumerate(objects.values_list("pk", flat=True)):
            name, segment = (
                f"{kind.upper()}-{number}",
                {"measure": "measures", "action": "plan"}.get(kind, kind),
            )
            names |= {
                f'"{kind}-{pk}"': f'"{kind}-{number}"',
                f'"{kind}-{pk}-': f'"{kind}-{number}-',
                f"{segment}/{pk}/": f"{segment}/{name}/",
                f'{kind}={pk}"': f'{kind}={name}"',
            }
    pattern = re.compile("|".join(re.escape(found) for found in sorted(names, key=len, reverse=True)))
    html = pattern.sub(lambda match: names[match.group(0)], html)
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r'\1CSRF"', html)
    html = re.sub(r'("X-Svt-Shown": ")[0-9a-f]{32}"', r'\1SHOWN"', html)
    return re.sub(r'(name="submission_key" value=")[0-9a-f]{32}"', r'\1KEY"', html)


def _live_part(client, incident) -> str:
    response = client.get(reverse("incidents:incident", args=[incident.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def _seen(client_for, role, incident, heading) -> str:
    return f"=== {heading}\n{_named(_live_part(client_for(role), incident), incident)}"


def _printed(incident) -> str:
    overdue = (
        PlanAction.objects.filter(incident=incident, due_at__lt=NOW).exclude(status="done").order_by("due_at")
    )
    context = {"actions": overdue, "caption": f"Overdue {TRICKY}", "show_links": False, "incident": incident}
    return _named(render_to_string("incidents/_actions_table.html", {**context, "now": NOW}), incident)


def test_the_live_part_draws_the_same_markup_for_every_kind_of_viewer(client_for, incident, demo):
    bare = IncidentFactory(partnership=demo, sequence=99, title="No scenes, no plan")
    drawn = [_seen(client_for, role, incident, f"the live part as the {role} sees it") for role in ROLES]
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)
    drawn.append(_seen(client_for, "coordinator", incident, "closed, as the coordinator sees it"))
    drawn.append(_seen(client_for, "coordinator", bare, "an incident with no scenes, no plan and no entries"))
    drawn.append(
        f"=== overdue actions, as the meeting pack and the situation report print them\n{_printed(incident)}"
    )
    drawn = "\n".join(drawn)
    if os.environ.get("SVTOOLKIT_WRITE_LIVE_MARKUP"):
        EXPECTED.write_text(drawn)
    assert drawn == EXPECTED.read_text()


def test_every_control_of_the_live_part_has_an_id_of_its_own(client_for, incident):
    """Swapped in again on its refresh, the part gets focus back (htmx finds the element by its id) on each of
    its links, buttons and scrolling tables, for every kind of viewer: each table of actions its own ids."""
    for role in ROLES:
        assert controls_without_an_id_of_their_own(_live_part(client_for(role), incident)) == [], role


def test_an_action_in_two_tables_of_the_page_gives_no_id_twice(client_for, incident):
    """The police's overdue essential action is in the police's own table and in the overdue one."""
    for role in ROLES:
        page = client_for(role).get(reverse("incidents:incident", args=[incident.pk])).content.decode()
        assert ids_given_more_than_once(page) == [], role
