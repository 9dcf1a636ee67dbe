"""Test data for recovery: the demo incident with every part of the after-the-response work started."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.people import services as people_services
from svtoolkit.recovery import services
from svtoolkit.recovery.review import services as review_services
from svtoolkit.recovery.support import services as support_services
from tests.incidents.builders import demo_incident, demo_person


@dataclass
class Recovery:
    incident: object
    milestone: object
    feed_token: str
    person: object
    offer: object
    follow_up: object
    lesson: object


def demo_recovery(demo, demo_users) -> Recovery:
    """The demo incident with a trial date, a victim (the responder and coordinator on the need-to-know list)
    offered counselling, the review started with a follow-up action, and a lesson; the viewer has a feed."""
    incident, _ = demo_incident(demo, demo_users)
    responder = demo_users["responder"]
    milestone = services.add_milestone(
        incident=incident, by=responder, kind="trial", title="Trial begins", date=date(2027, 5, 10)
    )
    feed_token = services.issue_feed(user=demo_users["viewer"])
    person = demo_person(
        incident,
        responder,
        name="A. B.",
        age_band="18_24",
        relation="",
        consent="given",
        lawful_basis="consent",
    )
    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["coordinator"], by=responder, with_records=True
    )
    offer = support_services.offer_support(
        person=person,
        by=responder,
        kind="offer",
        support_service=None,
        description="Trauma counselling",
        offered_by=None,
        offered_on=timezone.localdate(),
        follow_up_on=None,
    )
    review_services.start_review(incident=incident, by=responder)
    follow_up = review_services.add_follow_up(
        incident=incident,
        by=responder,
        title="Add the school to the bus-stop CCTV plan",
        owner_organisation=demo.organisations.first(),
        due_on=timezone.localdate() + timedelta(days=60),
    )
    lesson = review_services.record_lesson(
        incident=incident, by=responder, title="Tell schools sooner", detail="…"
    )
    return Recovery(incident, milestone, feed_token, person, offer, follow_up, lesson)


def led_by(incident, officer):
    """The incident led by ``officer`` of the council: the lead its recovery reminders go to."""
    incident_services.assign_lead(
        incident=incident,
        organisation=incident.partnership.organisations.get(kind="council"),
        officer=officer,
        by=officer,
    )
