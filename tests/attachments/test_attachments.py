"""Files on incidents, meetings, reviews and information-sharing agreements: checked, scanned by a real
clamd, kept through the storage API, listed on their pages, downloaded only by those who may see their record
(each download audited and marked)."""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from svtoolkit.attachments import checks
from svtoolkit.attachments.models import Attachment
from svtoolkit.attachments.services import attach_file
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.downloads import HEADER
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents.models import Incident, IncidentStatus
from svtoolkit.meetings.models import Meeting
from tests.access_expectations_base import COORDINATOR_ONLY, MEMBERS, SIGNED_IN_200
from tests.attachments.builders import (
    EICAR,
    PDF,
    a_package_with_a_broken_name,
    a_package_with_macros,
    a_workbook,
    attach,
    upload,
)
from tests.conftest import MODEL_BACKEND
from tests.factories import (
    AttachmentFactory,
    IncidentFactory,
    IncidentShareFactory,
    MeetingFactory,
    SharingAgreementFactory,
)
from tests.incidents.builders import demo_incident
from tests.meetings.builders import demo_meeting
from tests.recovery.builders import demo_recovery

pytestmark = pytest.mark.django_db

NOTES = b"CCTV from the bus stop handed over to DC Reid at 14:05.\n"


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


def _stored_files(media: Path) -> list[Path]:
    return [path for path in (media / "attachments").rglob("*") if path.is_file()] if media.exists() else []


def _error_summary(response) -> str:
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "govuk-form-group--error" in page
    return page


def test_a_clean_file_is_scanned_kept_and_listed_on_the_incident_page(client_for, incident, scanning, _media):
    client = client_for("responder")
    response = attach(client, "incident", incident.pk, "cctv-handover.txt", NOTES, "CCTV hand-over record")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/incidents/{incident.pk}/#attachments")

    attachment = Attachment.objects.get()
    assert (attachment.owner, attachment.name, attachment.size) == (incident, "cctv-handover.txt", len(NOTES))
    assert attachment.media_type == "text/plain" and attachment.marking == "OFFICIAL-SENSITIVE"
    [stored] = _stored_files(_media)
    assert stored.read_bytes() == NOTES and "cctv-handover" not in stored.name
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="attachments.Attachment").exists()

    page = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "cctv-handover.txt" in page and "CCTV hand-over record" in page
    assert reverse("attachments:download", args=[attachment.pk]) in page


def test_the_eicar_test_file_is_refused_by_the_real_clamd_and_nothing_is_kept(
    client_for, incident, scanning, _media
):
    response = attach(client_for("responder"), "incident", incident.pk, "minutes.txt", EICAR)

    page = _error_summary(response)
    assert "The selected file contains a virus (Eicar-Test-Signature" in page
    assert "so it was not kept" in page
    assert not Attachment.objects.exists() and _stored_files(_media) == []
    refusal = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert refusal.detail["reason"] == "attachment infected"


def test_an_infected_file_is_audited_by_its_size_digest_and_kind_never_its_name(
    client_for, incident, scanning, _media
):
    """The name may name someone, and audit entries are kept for ever (docs/security.md, Attachments)."""
    attach(client_for("responder"), "incident", incident.pk, "Jordan Smith statement.txt", EICAR)
    detail = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED).detail
    assert detail.pop("found").startswith("Eicar-Test-Signature")
    assert detail == {
        "reason": "attachment infected",
        "size": len(EICAR),
        "sha256": hashlib.sha256(EICAR).hexdigest(),
        "type": "text/plain",
    }
    assert "Jordan" not in str(list(AuditEntry.objects.values()))


def test_a_scanner_that_cannot_be_reached_refuses_the_file(client_for, incident, settings, tmp_path, _media):
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd-here.sock")
    response = attach(client_for("responder"), "incident", incident.pk, "minutes.txt", NOTES)
    assert "could not be checked for viruses" in _error_summary(response)
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_the_deployment_check_warns_when_attachments_are_not_scanned(settings):
    def scanner_warnings():
        return [m.msg for m in run_checks(include_deployment_checks=True) if m.id == "svtoolkit.W201"]

    settings.CLAMAV_SOCKET = settings.CLAMAV_HOST = ""
    assert scanner_warnings() == [
        "Attachments are not scanned for viruses: neither SVTOOLKIT_CLAMAV_SOCKET nor "
        "SVTOOLKIT_CLAMAV_HOST is set, so uploaded files are kept after checks of their size and kind only."
    ]
    settings.CLAMAV_HOST = "clamd.internal"
    assert scanner_warnings() == []
    settings.CLAMAV_HOST, settings.CLAMAV_SOCKET = "", "/run/clamav/clamd.ctl"
    assert scanner_warnings() == []


REFUSED = [
    ("big.txt", b"x" * 2048, "The selected file must be smaller than 1.0\xa0KB"),
    ("empty.txt", b"", "The selected file is empty"),
    (
        "tool.exe",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)),
        "The selected file must be a PDF",
    ),
    (
        "report.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(range(256)),
        "The selected file must be a PDF",
    ),
    ("photo.jpg", PDF, "The selected file is a PDF, so its name must end .pdf"),
    ("notes.txt", b"PK\x03\x04 not really a zip", "The selected file must be a PDF"),
    ("minutes.docx", a_package_with_a_broken_name(), "The selected file must be a PDF"),
    (
        "minutes.docx",
        a_package_with_macros("word/document.xml"),
        "The selected file must not contain macros: save it without them as a .docx file",
    ),
    (
        "rota.xlsx",
        a_package_with_macros("xl/workbook.xml"),
        "The selected file must not contain macros: save it without them as a .xlsx file",
    ),
]


def test_a_file_too_big_empty_or_of_a_kind_not_allowed_is_refused_with_a_message(
    client_for, incident, settings, _media
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client = client_for("responder")
    for name, content, message in REFUSED:
        page = _error_summary(attach(client, "incident", incident.pk, name, content))
        assert message in page.replace("&nbsp;", "\xa0"), name
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_a_file_named_as_another_kind_is_told_what_it_is_in_plain_english(client_for, incident, _media):
    client = client_for("responder")
    for name, content, message in [
        ("rota.docx", a_workbook(), "The selected file is an Excel workbook, so its name must end .xlsx"),
        (
            "scan.pdf",
            b"\x89PNG\r\n\x1a\n" + bytes(32),
            "The selected file is a PNG image, so its name must end .png",
        ),
    ]:
        assert message in _error_summary(attach(client, "incident", incident.pk, name, content)), name
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_each_allowed_kind_is_told_by_its_content():
    assert checks.sniff(upload("a.pdf", PDF)) is checks.PDF
    assert checks.sniff(upload("a.xlsx", a_workbook())) is checks.EXCEL
    assert checks.sniff(upload("a.png", b"\x89PNG\r\n\x1a\n" + bytes(32))) is checks.PNG
    assert checks.sniff(upload("a.csv", b"name,role\nSam,witness\n")) is checks.TEXT
    assert checks.sniff(upload("a.txt", b"\x00\x01binary")) is None


def test_a_long_file_name_is_shortened_keeping_its_ending(client_for, incident, _media):
    long_name = "Statement of the witness at the bus stop " * 6 + ".pdf"  # 250 characters
    assert attach(client_for("responder"), "incident", incident.pk, long_name, PDF).status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == long_name[:196] + ".pdf"  # the 200 characters kept
    download = client_for("police").get(reverse("attachments:download", args=[attachment.pk]))
    assert download["Content-Disposition"].endswith('-OFFICIAL-SENSITIVE.pdf"')


def test_a_download_is_marked_audited_and_only_for_those_who_may_see_the_incident(
    client_for, incident, _media
):
    attach(client_for("responder"), "incident", incident.pk, "cctv handover.txt", NOTES)
    attachment = Attachment.objects.get()
    url = reverse("attachments:download", args=[attachment.pk])

    response = client_for("police").get(url)
    assert response.status_code == 200 and response.content == NOTES
    assert response[HEADER] == "OFFICIAL-SENSITIVE"
    assert re.search(r'filename="cctv handover-OFFICIAL-SENSITIVE\.txt"', response["Content-Disposition"])
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).latest("id")
    assert (entry.actor_label, entry.target_id) == ("police@example.org", str(attachment.pk))

    # The health partner's organisation does not take part: the file is not found, as the incident is not.
    assert client_for("health").get(url).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, actor_label="health@example.org")


def test_a_file_missing_from_storage_is_not_found_and_logged_for_the_operators(
    client_for, incident, _media, caplog
):
    attach(client_for("responder"), "incident", incident.pk, "cctv handover.txt", NOTES)
    attachment = Attachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)

    response = client_for("police").get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 404
    assert f"The stored file of attachment {attachment.pk} is missing" in caplog.text
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, actor_label="police@example.org")


def test_a_file_goes_out_under_the_deployments_marking_once_that_is_raised(
    client_for, incident, settings, _media
):
    settings.PROTECTIVE_MARKING = "OFFICIAL"
    attach(client_for("responder"), "incident", incident.pk, "cctv handover.txt", NOTES)
    attachment = Attachment.objects.get()
    url = reverse("attachments:download", args=[attachment.pk])
    assert client_for("police").get(url)[HEADER] == "OFFICIAL"

    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    response = client_for("police").get(url)
    assert response[HEADER] == "OFFICIAL-SENSITIVE: PARTNERS ONLY"
    assert re.search(
        r'filename="cctv handover-OFFICIAL-SENSITIVE-PARTNERS-ONLY\.txt"', response["Content-Disposition"]
    )
    page = client_for("police").get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert "OFFICIAL-SENSITIVE: PARTNERS ONLY)" in page


def test_the_audit_log_keeps_no_uploaded_file_name(client_for, incident, _media):
    """The name may name someone; the retention job erases it, and audit entries are kept for ever."""
    attach(client_for("responder"), "incident", incident.pk, "Jordan Smith tributes.txt", NOTES)
    attachment = Attachment.objects.get()
    client_for("police").get(reverse("attachments:download", args=[attachment.pk]))
    labels = list(
        AuditEntry.objects.filter(target_type="attachments.Attachment").values_list("target_label", flat=True)
    )
    assert labels == [f"File {attachment.pk} (text/plain)"] * 2


def test_viewers_may_not_attach_nor_anyone_to_a_closed_incident(client_for, incident, _media):
    assert attach(client_for("viewer"), "incident", incident.pk, "a.txt", NOTES).status_code == 403
    incident.status = IncidentStatus.CLOSED
    incident.save(update_fields=["status"])
    assert attach(client_for("responder"), "incident", incident.pk, "a.txt", NOTES).status_code == 403
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_a_file_on_an_incident_shared_with_us_is_kept_and_audited_as_the_incidents_partnerships(
    client, client_for, demo, other_partnership, _media
):
    """The incident, its meetings and review, and their files are the partnership's that leads on it: a
    partner it is shared with adds to them, and whoever downloads a file, it is in that partnership's log."""
    southmoor, coordinator = other_partnership
    theirs = IncidentFactory(partnership=southmoor)
    IncidentShareFactory(incident=theirs, partnership=demo)
    responder = client_for("responder")
    for kind, record in (("incident", theirs), ("meeting", MeetingFactory(incident=theirs))):
        assert attach(responder, kind, record.pk, "notes.txt", NOTES).status_code == 302
    attached = list(Attachment.objects.all())
    assert [attachment.partnership for attachment in attached] == [southmoor] * 2
    assert all(attachment.file.name.startswith(f"attachments/{southmoor.pk}/") for attachment in attached)
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, target_type="attachments.Attachment")
    assert [entry.partnership for entry in created] == [southmoor] * 2

    for attachment in attached:
        assert responder.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    client.force_login(coordinator.user, backend=MODEL_BACKEND)
    for attachment in attached:
        assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200
    downloads = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE)
    assert [entry.partnership for entry in downloads] == [southmoor] * 4


# --- Every kind of record that takes files (attachments.owners), each with its own rules -----------------


@dataclass(frozen=True)
class Owner:
    kind: str
    record: object
    page: str
    attaches: str  # a role that may attach files to it
    may_not_attach: str  # a role that reads it (and its files) but may not attach
    reads: str  # another role that may download its files
    attach_rule: str = "can_attach_files"  # the access rule a refusal is audited under


@pytest.fixture(params=["incident", "meeting", "review", "agreement"])
def owner(request, demo, demo_users) -> Owner:
    made = demo_recovery(demo, demo_users)
    incident = made.incident
    if request.param == "incident":
        page = reverse("incidents:incident", args=[incident.pk])
        return Owner("incident", incident, page, "responder", "viewer", "police")
    if request.param == "meeting":
        meeting = demo_meeting(demo, demo_users, incident=incident)
        page = reverse("meetings:meeting", args=[incident.pk, meeting.pk])
        return Owner("meeting", meeting, page, "police", "viewer", "viewer")
    if request.param == "review":
        page = reverse("recovery:review", args=[incident.pk])
        return Owner("review", incident.debrief, page, "police", "viewer", "viewer")
    # The register of information-sharing agreements: every member reads it, its coordinators keep it.
    agreement = SharingAgreementFactory(partnership=demo, name="Northbridge violence reduction ISA")
    page = reverse("partnerships:sharing_agreement", args=[agreement.pk])
    return Owner(
        "agreement", agreement, page, "coordinator", "responder", "health", "can_attach_to_sharing_agreement"
    )


def test_each_kind_of_record_takes_files_listed_on_its_own_page_only(client_for, owner, demo, _media):
    client = client_for(owner.attaches)
    response = attach(client, owner.kind, owner.record.pk, "signed.pdf", PDF, "The signed copy")
    assert response.status_code == 302 and response["Location"] == f"{owner.page}#attachments"
    attachment = Attachment.objects.get()
    assert (attachment.owner, attachment.partnership) == (owner.record, demo)
    assert attachment.marking == "OFFICIAL-SENSITIVE"

    download = reverse("attachments:download", args=[attachment.pk])
    page = client.get(owner.page).content.decode()
    assert download in page and "The signed copy" in page and "Attach a file" in page
    # Another kind of record of the same partnership does not list it.
    elsewhere = reverse("partnerships:sharing_agreements" if owner.kind != "agreement" else "core:home")
    assert download not in client.get(elsewhere).content.decode()


def test_the_upload_page_names_a_meeting_by_its_day_in_london(client_for, demo, demo_users):
    meeting = demo_meeting(demo, demo_users)
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime(2026, 6, 10, 23, 30, tzinfo=UTC)
    )  # 00:30 BST
    page = client_for("police").get(reverse("attachments:add", args=["meeting", meeting.pk])).content.decode()
    assert "the critical-incident meeting on 11 June 2026" in page


def test_the_eicar_test_file_is_refused_on_every_kind_of_record(client_for, owner, scanning, _media):
    response = attach(client_for(owner.attaches), owner.kind, owner.record.pk, "minutes.txt", EICAR)
    assert "The selected file contains a virus (Eicar-Test-Signature" in _error_summary(response)
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_a_file_too_big_is_refused_on_every_kind_of_record(client_for, owner, settings, _media):
    settings.ATTACHMENT_MAX_BYTES = 1024
    name, content, message = REFUSED[0]
    page = _error_summary(attach(client_for(owner.attaches), owner.kind, owner.record.pk, name, content))
    assert message in page.replace("&nbsp;", "\xa0")
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_a_file_of_each_kind_of_record_is_marked_and_audited_for_those_who_may_read_it(
    client_for, owner, demo_users, _media
):
    attach(client_for(owner.attaches), owner.kind, owner.record.pk, "signed.pdf", PDF)
    attachment = Attachment.objects.get()
    response = client_for(owner.reads).get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 200 and response.content == PDF
    assert response[HEADER] == "OFFICIAL-SENSITIVE"
    assert 'filename="signed-OFFICIAL-SENSITIVE.pdf"' in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).latest("id")
    assert (entry.actor_label, entry.target_id) == (demo_users[owner.reads].email, str(attachment.pk))


def test_who_reads_a_record_but_does_not_work_it_may_not_attach_to_it(client_for, owner, _media):
    client = client_for(owner.may_not_attach)
    assert client.get(reverse("attachments:add", args=[owner.kind, owner.record.pk])).status_code == 403
    assert attach(client, owner.kind, owner.record.pk, "a.txt", NOTES).status_code == 403
    refusals = AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED)
    assert [entry.detail["reason"] for entry in refusals] == [owner.attach_rule] * 2, "audited by its rule"
    assert not Attachment.objects.exists() and _stored_files(_media) == []
    assert "Attach a file" not in client.get(owner.page).content.decode()


@pytest.mark.parametrize("owner", ["incident", "meeting", "review"], indirect=True)
def test_nothing_of_a_closed_incident_takes_files_and_the_refusal_says_to_re_open_it(
    client_for, owner, _media
):
    incident = owner.record if owner.kind == "incident" else owner.record.incident
    incident.status = IncidentStatus.CLOSED
    incident.save(update_fields=["status"])
    refused = attach(client_for(owner.attaches), owner.kind, owner.record.pk, "a.txt", NOTES)
    assert refused.status_code == 403
    assert "is closed, so it cannot be changed. Re-open it first." in refused.content.decode()
    assert not Attachment.objects.exists() and _stored_files(_media) == []


@pytest.mark.parametrize("owner", ["incident", "meeting", "review"], indirect=True)
def test_a_file_still_being_sent_when_its_incident_is_closed_is_not_kept(demo_users, owner, _media):
    """The defect: the upload page checked the incident open when the file began to arrive, and the file,
    received and scanned meanwhile, was kept on the incident closed in that time. Now the incident is
    checked again under its lock as the file is kept, as every other change to it is."""
    incident = owner.record if owner.kind == "incident" else owner.record.incident
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED)  # the page saw it open
    with pytest.raises(DomainError, match="was closed meanwhile"):
        attach_file(owner=owner.record, file=upload("late.txt", NOTES), by=demo_users[owner.attaches])
    assert not Attachment.objects.exists() and _stored_files(_media) == []


def test_another_partnership_is_told_a_file_of_each_kind_of_record_does_not_exist(
    client, owner, demo, other_partnership, _media
):
    attachment = AttachmentFactory(owner=owner.record, partnership=demo)
    client.force_login(other_partnership[1].user, backend=MODEL_BACKEND)
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("attachments:add", args=[owner.kind, owner.record.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE).exists()


# Who may GET the agreement's upload page and its signed copy (the access matrix walks the incident's).
AGREEMENT_ACCESS = {
    "attachments:add": COORDINATOR_ONLY,
    "attachments:download": SIGNED_IN_200,
}


@pytest.mark.parametrize("role", ["anonymous", *MEMBERS])
@pytest.mark.parametrize("url_name", AGREEMENT_ACCESS)
def test_who_may_attach_to_and_download_from_an_information_sharing_agreement(
    client_for, demo, url_name, role, _media
):
    agreement = SharingAgreementFactory(partnership=demo)
    attachment = AttachmentFactory(owner=agreement, partnership=demo)
    args = [attachment.pk] if url_name == "attachments:download" else ["agreement", agreement.pk]
    response = client_for(role).get(reverse(url_name, args=args))
    assert response.status_code == AGREEMENT_ACCESS[url_name][role], f"{url_name} as {role}"
