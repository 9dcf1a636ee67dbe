"""The register of information-sharing agreements: coordinators keep it, members read it, and an agreement
past its review date is flagged and joins the directory's review reminders."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.partnerships import selectors, services
from svtoolkit.partnerships.models import SharingAgreement
from tests.factories import OrganisationFactory, SharingAgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(demo):
    return demo.organisations.get(kind="police")


@pytest.fixture
def typed(demo_users, police):
    return {
        "name": "Northbridge CSP information-sharing agreement 2025",
        "parties": [police.pk],
        "purpose": "Reducing serious violence in Northbridge.",
        "data_covered": "Names, ages and support needs of people affected by an incident.",
        "article6_basis": "6_1_e",
        "article9_condition": "9_2_g_sch1_10",
        "gateway": "cda_1998_s115",
        "owner": demo_users["coordinator"].pk,
        "review_due": "31/03/2030",
    }


def test_coordinator_adds_and_changes_an_agreement(client_for, demo, police, typed):
    client = client_for("coordinator")
    response = client.post(reverse("partnerships:sharing_agreement_add"), typed)
    agreement = SharingAgreement.objects.get(partnership=demo)
    assert response["Location"] == reverse("partnerships:sharing_agreement", args=[agreement.pk])
    assert list(agreement.parties.all()) == [police]
    assert (agreement.article6_basis, agreement.gateway) == ("6_1_e", "cda_1998_s115")
    page = client.get(response["Location"]).content.decode()
    assert "Article 6(1)(e): public task" in page and "Crime and Disorder Act 1998, section 115" in page

    council = demo.organisations.get(kind="council")
    client.post(
        reverse("partnerships:sharing_agreement_edit", args=[agreement.pk]),
        {**typed, "parties": [police.pk, council.pk], "revision": 1},
    )
    agreement.refresh_from_db()
    assert set(agreement.parties.all()) == {police, council} and agreement.revision == 2
    stale = client.post(
        reverse("partnerships:sharing_agreement_edit", args=[agreement.pk]), {**typed, "revision": 1}
    )
    assert "Someone else changed this agreement" in stale.content.decode()
    actions = AuditEntry.objects.filter(target_type="partnerships.SharingAgreement").values_list(
        "action", flat=True
    )
    assert AuditAction.CREATE in actions and AuditAction.UPDATE in actions


def test_an_agreement_without_a_basis_or_parties_is_explained_and_keeps_the_typing(client_for, typed):
    response = client_for("coordinator").post(
        reverse("partnerships:sharing_agreement_add"), {**typed, "article6_basis": "", "parties": []}
    )
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Choose the UK GDPR Article 6 basis" in content
    assert "Choose the organisations that are party to the agreement" in content
    assert "Reducing serious violence in Northbridge." in content
    assert not SharingAgreement.objects.exists()


def test_only_this_partnerships_organisations_may_be_parties(demo, demo_users):
    with pytest.raises(DomainError) as refused:
        services.create_sharing_agreement(
            partnership=demo,
            details={
                "name": "ISA",
                "parties": [OrganisationFactory()],
                "purpose": "x",
                "data_covered": "y",
                "article6_basis": "6_1_e",
            },
            by=demo_users["coordinator"],
        )
    assert refused.value.field == "parties"


def test_an_agreement_past_its_review_date_is_flagged_and_joins_the_review_reminders(
    client_for, demo, demo_users
):
    yesterday = timezone.localdate() - timedelta(days=1)
    SharingAgreementFactory(
        partnership=demo, name="Old ISA", review_due=yesterday, owner=demo_users["police"]
    )
    SharingAgreementFactory(partnership=demo, name="Current ISA")
    page = client_for("viewer").get(reverse("partnerships:sharing_agreements")).content.decode()
    assert "Old ISA" in page and "Current ISA" in page
    assert page.count("Review overdue") == 1
    overdue = selectors.overdue_entries(demo, owner=demo_users["police"])
    agreements = [entry.name for entry in overdue if entry.kind == "Information-sharing agreement"]
    assert agreements == ["Old ISA"]
    assert "Old ISA" in client_for("police").get(reverse("core:home")).content.decode()
