"""Who may GET each page of the partner directory, and the demo objects their URLs name."""

from tests.access_expectations_base import COORDINATOR_ONLY, COORDINATOR_ONLY_POST, SIGNED_IN_200
from tests.factories import (
    ContactFactory,
    ContactImportFactory,
    OrganisationFactory,
    SharingAgreementFactory,
    SupportServiceFactory,
)

EXPECTED = {
    "partnerships:organisations": SIGNED_IN_200,
    "partnerships:organisation": SIGNED_IN_200,
    "partnerships:organisation_add": COORDINATOR_ONLY,
    "partnerships:organisation_edit": COORDINATOR_ONLY,
    "partnerships:contact_add": COORDINATOR_ONLY,
    "partnerships:contact_edit": COORDINATOR_ONLY,
    "partnerships:contact_deactivate": COORDINATOR_ONLY,
    "partnerships:contacts_import": COORDINATOR_ONLY,
    "partnerships:contact_import": COORDINATOR_ONLY,
    "partnerships:contacts_export": COORDINATOR_ONLY_POST,
    "partnerships:support_services": SIGNED_IN_200,
    "partnerships:support_service": SIGNED_IN_200,
    "partnerships:support_service_add": COORDINATOR_ONLY,
    "partnerships:support_service_edit": COORDINATOR_ONLY,
    "partnerships:support_service_deactivate": COORDINATOR_ONLY,
    "partnerships:sharing_agreements": SIGNED_IN_200,
    "partnerships:sharing_agreement": SIGNED_IN_200,
    "partnerships:sharing_agreement_add": COORDINATOR_ONLY,
    "partnerships:sharing_agreement_edit": COORDINATOR_ONLY,
    # An entry's owner (the police user owns the contact below) sets its next review date, as coordinators do.
    "partnerships:entry_review": {**COORDINATOR_ONLY, "police": 200},
}


def url_kwargs(demo, demo_users):
    """Objects of the demo partnership that the directory's URLs name."""
    organisation = OrganisationFactory(
        partnership=demo, name="Matrix Organisation", owner=demo_users["coordinator"]
    )
    contact = ContactFactory(organisation=organisation, owner=demo_users["police"])
    service = SupportServiceFactory(partnership=demo, provider=organisation, owner=demo_users["coordinator"])
    agreement = SharingAgreementFactory(
        partnership=demo, parties=[organisation], owner=demo_users["coordinator"]
    )
    contact_import = ContactImportFactory(partnership=demo, uploaded_by=demo_users["coordinator"])
    return {
        "partnerships:contact_import": {"import_id": contact_import.pk},
        "partnerships:organisation": {"organisation_id": organisation.pk},
        "partnerships:organisation_edit": {"organisation_id": organisation.pk},
        "partnerships:contact_add": {"organisation_id": organisation.pk},
        "partnerships:contact_edit": {"contact_id": contact.pk},
        "partnerships:contact_deactivate": {"contact_id": contact.pk},
        "partnerships:support_service": {"service_id": service.pk},
        "partnerships:support_service_edit": {"service_id": service.pk},
        "partnerships:support_service_deactivate": {"service_id": service.pk},
        "partnerships:sharing_agreement": {"agreement_id": agreement.pk},
        "partnerships:sharing_agreement_edit": {"agreement_id": agreement.pk},
        "partnerships:entry_review": {"kind": "contact", "entry_id": contact.pk},
    }
