"""Every file the service hands out carries its protective marking: read back from the file itself (csv,
openpyxl, icalendar, json, pypdf), from its name and from the X-Protective-Marking header. The deployment
here marks its case details OFFICIAL, so a file holding personal data shows the rule that a document takes
the marking of the most sensitive thing in it."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader

from svtoolkit.core import downloads
from svtoolkit.incidents.models import Incident
from tests.access_expectations import DATA_NOT_FILES, NOT_PAGES
from tests.api.access import NOT_PAGES as API_NOT_PAGES
from tests.factories import AttachmentFactory
from tests.meetings.builders import demo_meeting
from tests.recovery.builders import demo_recovery
from tests.reports.builders import an_assessment

pytestmark = pytest.mark.django_db

CASE = "OFFICIAL"
NOTES = b"CCTV handed over at 14:05.\n"
PERSONAL = "OFFICIAL-SENSITIVE"


def _csv(content: bytes) -> str:
    first = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(first) == 1
    return first[0]


def _xlsx(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    [marking] = {
        sheet["A1"].value,
        sheet.oddHeader.center.text,
        sheet.oddFooter.center.text,
        workbook.properties.keywords,
        workbook.properties.category,
    }
    assert workbook.properties.title.endswith(f"({marking})")
    return marking


def _ics(content: bytes) -> str:
    calendar = Calendar.from_ical(content)
    for event in calendar.walk("VEVENT"):
        assert str(calendar["X-PROTECTIVE-MARKING"]) in event.get("categories").cats
    return str(calendar["X-PROTECTIVE-MARKING"])


def _json(content: bytes) -> str:
    return json.loads(content)["protective_marking"]


def _as_uploaded(content: bytes) -> str:
    """An attachment is handed out exactly as it was uploaded: its marking is in its name and the header."""
    assert content == NOTES
    return CASE


def _pdf(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    marking = reader.metadata["/Keywords"]
    assert all(marking in page.extract_text() for page in reader.pages)
    return marking


# URL name: (who asks, how, what the URL needs, how the file is read, the marking it must carry)
FILES = {
    "reports:export:csv": ("coordinator", "get", "export_csv", _csv, CASE),
    "reports:export:xlsx": ("coordinator", "get", "export_xlsx", _xlsx, CASE),
    "reports:readiness_pdf": ("coordinator", "get", "assessment", _pdf, CASE),
    "reports:meeting_pack_pdf": ("responder", "get", "meeting", _pdf, CASE),
    "reports:incident_sitrep": ("responder", "get", "incident", _pdf, CASE),
    "reports:incident_sitrep:people": ("responder", "post", "incident", _pdf, PERSONAL),
    "partnerships:contacts_export": ("coordinator", "post", None, _csv, downloads.OFFICIAL),
    "meetings:calendar": ("responder", "get", "meeting", _ics, CASE),
    "recovery:feed": ("anonymous", "get", "feed", _ics, CASE),
    "recovery:subject_access": ("coordinator", "post", "person", _json, PERSONAL),
    "attachments:download": ("police", "get", "attachment", _as_uploaded, CASE),
    # The region's figures: counts, no one named in them.
    "figures:export:csv": ("regional_coordinator", "get", "figures_csv", _csv, CASE),
    "figures:export:xlsx": ("regional_coordinator", "get", "figures_xlsx", _xlsx, CASE),
    "figures:needs_assessment:csv": ("regional_coordinator", "get", "needs_assessment_csv", _csv, CASE),
    "figures:needs_assessment:xlsx": ("regional_coordinator", "get", "needs_assessment", _xlsx, CASE),
}


@pytest.fixture
def world(demo, demo_users, settings):
    settings.PROTECTIVE_MARKING = CASE
    made = demo_recovery(demo, demo_users)
    meeting = demo_meeting(demo, demo_users, incident=made.incident)
    by_incident = {"incident_id": made.incident.pk}
    return {
        None: {},
        "export_csv": {"dataset": "incidents", "file_format": "csv"},
        "export_xlsx": {"dataset": "actions", "file_format": "xlsx"},
        "assessment": {"assessment_id": an_assessment(demo, demo_users["coordinator"]).pk},
        "incident": by_incident,
        "meeting": {**by_incident, "meeting_id": meeting.pk},
        "feed": {"token": made.feed_token},
        "person": {**by_incident, "person_id": made.person.pk},
        "attachment": {"attachment_id": AttachmentFactory(owner=made.incident, marking=CASE).pk},
        "figures_csv": {"region_slug": demo.region.slug, "file_format": "csv"},
        "figures_xlsx": {"region_slug": demo.region.slug, "file_format": "xlsx"},
        "needs_assessment": {"region_slug": demo.region.slug, "year": 2026, "file_format": "xlsx"},
        "needs_assessment_csv": {"region_slug": demo.region.slug, "year": 2026, "file_format": "csv"},
    }


def _downloaded(case: str, world, client_for):
    """The answer to ``case`` of FILES, asked as its person asks for it."""
    role, method, needs, _, _ = FILES[case]
    url = reverse(":".join(case.split(":")[:2]), kwargs=world[needs])
    client = Client() if role == "anonymous" else client_for(role)
    data = {
        "reason": "Subject-access request of 2 December",
        "include_people": "on",
        "recipient": "The gold group",
        "article6_basis": "6_1_e",
        "article9_condition": "9_2_g_sch1_18",  # the person's support offered tells of their health
    }
    response = getattr(client, method)(url, data)
    assert response.status_code == 200, (case, response.content[:500])
    return response


def test_every_file_carries_its_marking_inside_in_its_name_and_in_a_header(world, client_for):
    # One test over every file rather than one per file: the world behind them is built once.
    for case, (_, _, _, read, marking) in FILES.items():
        response = _downloaded(case, world, client_for)

        assert read(response.content) == marking, case
        assert response[downloads.HEADER] == marking, case
        assert re.search(rf'filename="[^"]+-{marking}\.\w+"', response["Content-Disposition"]), case


# The files that are one incident's: an exercise's are named EXERCISE first. The others hold many incidents
# (an export, the recovery feed), or none (the readiness report, the contacts, a region's figures).
ONE_INCIDENTS = {
    "reports:meeting_pack_pdf",
    "reports:incident_sitrep",
    "reports:incident_sitrep:people",
    "meetings:calendar",
    "recovery:subject_access",
    "attachments:download",
}


def test_every_file_of_an_exercise_says_exercise_first_in_its_name(world, client_for):
    """The defect: an exercise's situation report and meeting pack said EXERCISE on every page, but their
    names (``NB-2026-0001-sitrep-...pdf``) did not, nor did its meeting's calendar file, its files or a
    person's subject-access export: saved to a shared drive, each was named as a real incident's. Now every
    file of one exercise's is named ``EXERCISE-...``; a real incident's, and a file of many incidents, are
    not."""
    assert ONE_INCIDENTS < set(FILES)
    for case in ONE_INCIDENTS:
        assert "EXERCISE" not in _downloaded(case, world, client_for)["Content-Disposition"], case
    Incident.objects.filter(pk=world["incident"]["incident_id"]).update(is_exercise=True)

    for case in FILES:
        name = _downloaded(case, world, client_for)["Content-Disposition"]
        if case in ONE_INCIDENTS:
            assert 'filename="EXERCISE-' in name, case
        else:
            assert "EXERCISE" not in name, case


def test_every_file_download_is_checked_here():
    checked = {":".join(case.split(":")[:2]) for case in FILES}
    files = NOT_PAGES - API_NOT_PAGES - DATA_NOT_FILES
    assert checked >= files | {"recovery:subject_access", "partnerships:contacts_export"}


@pytest.mark.parametrize(
    ("held", "marking"),
    [
        ((), "OFFICIAL"),
        (("OFFICIAL", "OFFICIAL-SENSITIVE"), "OFFICIAL-SENSITIVE"),
        (("OFFICIAL-SENSITIVE: PARTNERS ONLY", "OFFICIAL-SENSITIVE"), "OFFICIAL-SENSITIVE: PARTNERS ONLY"),
        (("OFFICIAL-SENSITIVE", "OFFICIAL"), "OFFICIAL-SENSITIVE"),
        (("SECRET", "OFFICIAL-SENSITIVE"), "SECRET"),
    ],
)
def test_a_document_takes_the_marking_of_the_most_sensitive_thing_in_it(held, marking):
    assert downloads.marking_of(*held) == marking


def test_a_marking_with_a_descriptor_makes_a_safe_file_name():
    name = downloads.marked_filename("nb-1-sitrep.pdf", "OFFICIAL-SENSITIVE: PARTNERS ONLY")
    assert name == "nb-1-sitrep-OFFICIAL-SENSITIVE-PARTNERS-ONLY.pdf"


@pytest.mark.parametrize(
    ("name", "needs"), [("meetings:pack", "meeting"), ("playbooks:assessment_report", "assessment")]
)
def test_a_printable_report_carries_its_marking_at_its_top_and_foot(world, client_for, name, needs):
    """Printed, the site's header is hidden (app.scss), so the report's own two markings are what the paper
    carries."""
    page = client_for("coordinator").get(reverse(name, kwargs=world[needs])).content.decode()
    report = page[page.index('<div class="svt-report">') :]
    marking = f'<p class="govuk-body-s svt-protective-marking">{CASE}</p>'
    assert report.startswith(f'<div class="svt-report">\n{marking}')
    assert report.count(marking) == 2
