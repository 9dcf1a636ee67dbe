"""Upgrading marks the meetings recorded, before migration meetings/0005, as not having taken place: those
called off once their time had passed (migration 0006), which the pages had shown as "Cancelled"."""

from datetime import timedelta

import pytest
from django.urls import reverse

from svtoolkit.meetings import services
from svtoolkit.meetings.models import Meeting
from tests.incidents.builders import demo_incident
from tests.meetings.builders import demo_meeting
from tests.migrating import latest, migrate

BEFORE_THE_MARK = [("meetings", "0004_long_online_links")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_meeting_called_off_after_its_time_before_the_upgrade_is_shown_as_not_having_taken_place(
    client_for, demo, demo_users
):
    incident, _ = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    over = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(hours=2))
    services.cancel_meeting(meeting=over, by=responder, reason="The chair was called to the scene")
    under_way = demo_meeting(demo, demo_users, incident, starts_in=-timedelta(minutes=20))
    services.cancel_meeting(meeting=under_way, by=responder, reason="The fire alarm went off")
    ahead = demo_meeting(demo, demo_users, incident, starts_in=timedelta(days=1))
    services.cancel_meeting(meeting=ahead, by=responder, reason="Superseded by the daily call")
    # Recorded as the code before meetings/0005 recorded them: the column it added is not there yet.
    migrate(BEFORE_THE_MARK)
    migrate(latest())

    marked = dict(Meeting.objects.values_list("pk", "did_not_take_place"))
    assert marked == {over.pk: True, under_way.pk: False, ahead.pk: False}
    listed = client_for("responder").get(reverse("meetings:list", args=[incident.pk])).content.decode()
    assert listed.count("Did not take place") == 1 and listed.count("Cancelled") == 2
