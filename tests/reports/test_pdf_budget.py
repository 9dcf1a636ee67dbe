"""A situation report and a meeting pack of the most text the limits let in still render well inside a web
worker's time (issue 15, defect 5: a long summary made the sitrep fail after 30 s and killed the worker)."""

import time

import pytest
from django.urls import reverse

from svtoolkit.core import limits
from svtoolkit.incidents import services
from svtoolkit.incidents.people import services as people_services
from tests.incidents.access import demo_incident
from tests.meetings.access import demo_meeting
from tests.reports.builders import SITREP_WITH_HEALTH
from tests.reports.test_views import pdf_pages

pytestmark = pytest.mark.django_db

# Half of gunicorn's 30-second worker timeout: a sitrep must never come near killing a worker. The time
# measured is printed (run with -s to see it); the sitrep of an ordinary incident takes well under a second.
BUDGET_SECONDS = 15


def _incident_with_the_most_text(demo, demo_users):
    """Every text the sitrep shows at its limit, in the shapes that cost WeasyPrint most: the longest
    summary as short lines, the longest words unbroken."""
    responder = demo_users["responder"]
    incident, _ = demo_incident(demo, demo_users)
    incident.title = "T" * 200
    incident.summary = "a\n" * (limits.SUMMARY // 2)
    incident.save(update_fields=["title", "summary"])
    services.categorise(
        incident=incident,
        by=responder,
        factors=[],
        other_factors="",
        serious_violence=True,
        meeting_needed=False,
        cross_borough=False,
        rationale="r" * limits.SUMMARY,
    )
    for number in range(5):
        services.record_decision(
            incident=incident,
            by=responder,
            what=f"Decision {number} " + "word " * ((limits.SUMMARY - 20) // 5),
            why="w" * limits.SUMMARY,
        )
    people_services.add_person_affected(
        incident=incident,
        by=responder,
        name="Jordan Sample",
        age_band="16_17",
        role="victim",
        relation="Stabbed at the bus stop",
        support_needs="n\n" * (limits.SUMMARY // 2),
        consent="given",
        consent_scope="s" * limits.SHORT_TEXT,
        referrals="x" * limits.SUMMARY,
        single_point_of_contact=None,
        lawful_basis="safeguarding",
        sharing_agreement="Northbridge CSP information-sharing agreement 2025",
    )
    return incident


def test_a_sitrep_of_the_most_text_allowed_renders_within_its_budget(client_for, demo, demo_users):
    incident = _incident_with_the_most_text(demo, demo_users)
    started = time.perf_counter()
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]),
        SITREP_WITH_HEALTH,
    )
    took = time.perf_counter() - started
    pages = pdf_pages(response)
    print(
        f"\nSitrep of the most text allowed: {len(pages)} pages in {took:.1f} s (budget {BUDGET_SECONDS} s)"
    )
    text = " ".join(pages)
    assert "Decision 4" in text and "Jordan Sample" in text
    assert took < BUDGET_SECONDS


def test_a_meeting_pack_of_the_most_text_allowed_renders_within_its_budget(client_for, demo, demo_users):
    incident = _incident_with_the_most_text(demo, demo_users)
    meeting = demo_meeting(demo, demo_users, incident=incident)
    meeting.agenda = "a\n" * (limits.LONG_TEXT // 2)
    meeting.save(update_fields=["agenda"])
    started = time.perf_counter()
    response = client_for("responder").get(
        reverse("reports:meeting_pack_pdf", args=[incident.pk, meeting.pk])
    )
    took = time.perf_counter() - started
    pages = pdf_pages(response)
    print(f"\nMeeting pack of the most text allowed: {len(pages)} pages in {took:.1f} s")
    assert took < BUDGET_SECONDS
