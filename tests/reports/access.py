"""Who may GET each report page and document, and the objects their URLs name.

Every member sees the dashboard, the map and the exports (of the incidents they may see); an incident's
documents follow the incident's own rules, so the health partner, whose organisation does not take part in
the demo incident, is told it does not exist (404).
"""

from svtoolkit.playbooks.selectors import latest_assessment
from tests.access_expectations_base import COORDINATOR_ONLY, SIGNED_IN_200
from tests.incidents.access import READ
from tests.meetings.builders import demo_meeting
from tests.reports.builders import an_assessment

EXPECTED = {
    "reports:dashboard": SIGNED_IN_200,
    "reports:map": SIGNED_IN_200,
    "reports:boundary": COORDINATOR_ONLY,
    "reports:ward_outlines": SIGNED_IN_200,
    "reports:export": SIGNED_IN_200,
    "reports:readiness_pdf": SIGNED_IN_200,
    "reports:incident_reports": READ,
    "reports:incident_sitrep": READ,
    "reports:meeting_pack_pdf": READ,
}

# Data for a page's script (the point picker's ward outlines): neither a page nor a file to download.
DATA = {"reports:ward_outlines"}
# Files to download, not pages: the accessibility walk skips them.
NOT_PAGES = {
    "reports:export",
    "reports:readiness_pdf",
    "reports:incident_sitrep",
    "reports:meeting_pack_pdf",
}


def url_kwargs(demo, demo_users):
    meeting = demo_meeting(demo, demo_users)
    by_incident = {"incident_id": meeting.incident_id}
    return {
        "reports:export": {"dataset": "incidents", "file_format": "csv"},
        # The checklist's own pages' assessment if made already: a second would make that one read-only.
        "reports:readiness_pdf": {
            "assessment_id": (latest_assessment(demo) or an_assessment(demo, demo_users["coordinator"])).pk
        },
        "reports:incident_reports": by_incident,
        "reports:incident_sitrep": by_incident,
        "reports:meeting_pack_pdf": {**by_incident, "meeting_id": meeting.pk},
    }
