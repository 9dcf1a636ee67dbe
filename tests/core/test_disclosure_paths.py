"""Every path by which the details of people affected can leave the need-to-know circle writes exactly one
disclosure with its lawful basis, and is refused without one; every other file svtoolkit hands out (each one
listed in test_file_markings.FILES, which fails when a download is missing from it) names no one affected,
so it needs no basis."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from svtoolkit.incidents.models import Disclosure, PersonAffected
from tests.core.test_file_markings import FILES, PERSONAL, world  # noqa: F401 (world is a fixture)
from tests.recovery.builders import demo_recovery
from tests.regions.builders import proposal
from tests.reports.builders import SITREP_WITH_PEOPLE

pytestmark = pytest.mark.django_db

BASIS = {
    "purpose": "Safeguarding the victim",
    "article6_basis": "6_1_e",
    "article9_condition": "9_2_g_sch1_18",
    "gateway": "cda_1998_s115",
}
# The files that hold people affected: exactly those marked as personal data, each also a path below.
DISCLOSING_FILES = {"reports:incident_sitrep:people", "recovery:subject_access"}


def test_the_files_holding_people_affected_are_those_marked_as_personal_data():
    assert {case for case, (*_, marking) in FILES.items() if marking == PERSONAL} == DISCLOSING_FILES


def _text_of(content: bytes) -> str:
    """Everything readable in a downloaded file: a PDF's text, a workbook's cells, or the bytes themselves."""
    if content.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return "\n".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())
    return content.decode("utf-8", "replace")


def test_every_other_file_names_no_one_affected_and_discloses_nothing(world, client_for):  # noqa: F811
    for person in PersonAffected.objects.all():
        person.name, person.relation = f"Quillfeather{person.pk}", f"Cousinmark{person.pk}"
        person.support_needs = f"Needsmark{person.pk}"
        person.save()
    marks = [
        mark
        for person in PersonAffected.objects.all()
        for mark in (person.name, person.relation, person.support_needs)
    ]
    assert marks
    for case, (role, method, needs, _read, _marking) in FILES.items():
        if case in DISCLOSING_FILES:
            continue
        client = Client() if role == "anonymous" else client_for(role)
        response = getattr(client, method)(reverse(":".join(case.split(":")[:2]), kwargs=world[needs]))
        assert response.status_code == 200, case
        text = _text_of(response.content)
        if case.endswith(":csv"):
            text = "\n".join(",".join(row) for row in csv.reader(io.StringIO(text)))
        assert not [mark for mark in marks if mark in text], case
    assert not Disclosure.objects.exists()


# --- The disclosure paths: each given the why and the basis, or not -----------------------------------------


def _sitrep(client_for, made, demo, demo_users, basis):
    data = {
        **SITREP_WITH_PEOPLE,
        "article6_basis": basis.get("article6_basis", ""),
        "article9_condition": basis.get("article9_condition", ""),
    }
    return client_for("responder").post(reverse("reports:incident_sitrep", args=[made.incident.pk]), data)


def _subject_access(client_for, made, demo, demo_users, basis):
    # Under the right of access (Article 6(1)(c)) by the service itself: the reason is what it needs.
    url = reverse("recovery:subject_access", args=[made.incident.pk, made.person.pk])
    return client_for("coordinator").post(url, {"reason": basis.get("purpose", "")})


def _share(client_for, made, demo, demo_users, basis, other_partnership):
    data = {"partnership": other_partnership[0].pk, **basis}
    return client_for("coordinator").post(reverse("incidents:share", args=[made.incident.pk]), data)


def _region_proposal(client_for, made, demo, demo_users, basis):
    proposed = proposal(demo, demo_users, incident=made.incident)
    url = reverse("regions:decide_proposal", args=[made.incident.pk, proposed.pk])
    return client_for("coordinator").post(url, {"purpose": "Same peer group", **basis})


def _referral(client_for, made, demo, demo_users, basis):
    url = reverse("recovery:support_add", args=[made.incident.pk, made.person.pk])
    data = {
        "kind": "referral",
        "description": "An assessment of the family's needs",
        "referred_to": "The MASH",
        "offered_on": timezone.localdate().isoformat(),
        **{name: value for name, value in basis.items() if name != "purpose"},
        "purpose": basis.get("purpose", ""),
    }
    return client_for("responder").post(url, data)


def _safeguarding_referral(client_for, made, demo, demo_users, basis):
    now = timezone.localtime()
    when = {"referred_at_day": now.day, "referred_at_month": now.month, "referred_at_year": now.year}
    data = {
        "person": made.person.pk,
        "route": "mash",
        **when,
        "referred_at_time": now.strftime("%H:%M"),
        **basis,
    }
    return client_for("responder").post(reverse("incidents:referral_add", args=[made.incident.pk]), data)


PATHS = {
    "situation report with people": _sitrep,
    "subject-access export": _subject_access,
    "share with another partnership": _share,
    "accepting the region's proposal to share": _region_proposal,
    "referral to an outside service": _referral,
    "safeguarding referral to the MASH": _safeguarding_referral,
}


# Every path but the subject-access export, whose basis is fixed, asks for one.
each_path_asking_a_basis = pytest.mark.parametrize(
    "path",
    [path for path in PATHS.values() if path is not _subject_access],
    ids=[name for name, path in PATHS.items() if path is not _subject_access],
)


@pytest.fixture
def made(demo, demo_users):
    made = demo_recovery(demo, demo_users)
    Disclosure.objects.all().delete()
    return made


def _take(path, client_for, made, demo, demo_users, basis, other_partnership):
    extra = (other_partnership,) if path is _share else ()
    return path(client_for, made, demo, demo_users, basis, *extra)


@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_each_disclosure_path_writes_one_entry_with_its_basis(
    path, client_for, made, demo, demo_users, other_partnership
):
    response = _take(path, client_for, made, demo, demo_users, BASIS, other_partnership)
    assert response.status_code in (200, 302)
    disclosure = Disclosure.objects.get()
    assert disclosure.article6_basis and disclosure.purpose and disclosure.recipient
    assert list(disclosure.people.all()) and disclosure.incident == made.incident


@each_path_asking_a_basis
def test_each_disclosure_path_is_refused_without_an_article_6_basis(
    path, client_for, made, demo, demo_users, other_partnership
):
    basis = {name: value for name, value in BASIS.items() if name != "article6_basis"}
    response = _take(path, client_for, made, demo, demo_users, basis, other_partnership)
    assert response.status_code == 200 and "Choose the UK GDPR Article 6 basis" in response.content.decode()
    assert not Disclosure.objects.exists()


@each_path_asking_a_basis
def test_each_disclosure_path_of_health_information_is_refused_without_an_article_9_condition(
    path, client_for, made, demo, demo_users, other_partnership
):
    made.person.support_needs = "Trauma counselling after the stabbing"
    made.person.save(update_fields=["support_needs"])
    basis = {name: value for name, value in BASIS.items() if name != "article9_condition"}
    response = _take(path, client_for, made, demo, demo_users, basis, other_partnership)
    page = response.content.decode()
    assert response.status_code == 200 and "Choose the UK GDPR Article 9 condition" in page
    typed = SITREP_WITH_PEOPLE["reason"] if path is _sitrep else BASIS["purpose"]
    assert "govuk-error-summary" in page and typed in page  # what was typed is kept
    assert not Disclosure.objects.exists()


def test_a_subject_access_export_is_refused_without_a_reason(client_for, made, demo_users):
    response = _subject_access(client_for, made, None, demo_users, {})
    assert response["Content-Type"].startswith("text/html")
    assert not Disclosure.objects.exists()
