"""Keeping personal data only as long as the partnership's retention period allows, then erasing it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from svtoolkit.accounts.services import save_partnership_settings
from svtoolkit.attachments.services import erase_attached_to
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_settings_changed
from svtoolkit.communications import services as communications_services
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import disclosures
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.people import services as people_services
from svtoolkit.incidents.strands import services as strands_services
from svtoolkit.partnerships import lawful_bases
from svtoolkit.partnerships.models import Partnership
from svtoolkit.recovery.models import Debrief, SupportOffer
from svtoolkit.recovery.retention import selectors

SUBJECT_ACCESS_RECIPIENT = "The person themselves, on their subject-access request"


@transaction.atomic
def export_subject_access(*, user, incident, person_id, reason: str, request=None) -> dict:
    """Everything held about one person, for their subject-access request, logged as a disclosure. Its basis
    is fixed (their right of access: Article 6(1)(c) legal obligation), so nobody is asked for it."""
    export = selectors.subject_access_export(
        user=user, incident=incident, person_id=person_id, reason=reason, request=request
    )
    disclosures.record_disclosure(
        incident=incident,
        people=[incident.people.get(pk=person_id)],
        what="Subject-access export",
        recipient=SUBJECT_ACCESS_RECIPIENT,
        purpose=reason,
        # Their own data, to them: their right of access, for which no Article 9 condition is needed.
        special_category=False,
        by=user,
        request=request,
        **lawful_bases.SUBJECT_ACCESS,
    )
    return export


def check_retention_years(*, years: int) -> None:
    """The period is within the partnership's bounds (``Partnership.personal_data_retention_years``)."""
    try:
        Partnership._meta.get_field("personal_data_retention_years").run_validators(years)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="years") from None


@transaction.atomic
def set_retention_period(*, partnership, years: int, expected_revision: int | None, by, request=None):
    """Keep people's details ``years`` after an incident closes. Compare-and-set on the partnership's
    ``retention_revision``, so two coordinators saving it at once never overwrite each other."""
    check_retention_years(years=years)
    before = partnership.personal_data_retention_years
    save_partnership_settings(
        partnership,
        expected_revision=expected_revision,
        revision_field="retention_revision",
        conflict_message="Someone else changed the retention period while you were editing it.",
        personal_data_retention_years=years,
    )
    record_settings_changed(
        partnership=partnership, by=by, request=request, personal_data_retention_years=[before, years]
    )
    return partnership


@transaction.atomic
def erase_personal_data(*, incident, today=None) -> int:
    """Erase who the people affected were, once the retention period after closing has passed.

    The anonymised record (roles, age bands, kinds of support and their answers) is kept for statistics;
    each erasure is written to the audit log. Returns the number of people whose details were erased.
    """
    incident = type(incident).objects.select_for_update().select_related("partnership").get(pk=incident.pk)
    due = selectors.erase_on(incident)
    if incident.personal_data_erased_at or due is None or due > (today or timezone.localdate()):
        return 0
    people = people_services.erase_people_details(incident=incident)
    strands_services.erase_strand_details(incident=incident)
    disclosures.erase_typed_details(incident=incident, recipients_kept=[SUBJECT_ACCESS_RECIPIENT])
    SupportOffer.objects.filter(person__incident=incident).update(description="Erased", outcome="")
    messages = communications_services.erase_names_and_images(incident=incident)
    # Files on the incident, its meetings and its review may show anyone (tributes, CCTV hand-overs, minutes).
    files = erase_attached_to(
        owners=[incident, *incident.meetings.all(), *Debrief.objects.filter(incident=incident)]
    )
    for person in people:
        record(
            action=AuditAction.ERASE,
            actor_label="Retention job",
            partnership=incident.partnership,
            target=person,
            detail={
                "incident": incident.reference,
                "closed": timezone.localtime(incident.closed_at).date().isoformat(),
                "retention_years": incident.partnership.personal_data_retention_years,
            },
        )
    if messages or files:
        record(
            action=AuditAction.ERASE,
            actor_label="Retention job",
            target=incident,
            detail={"messages naming someone": messages, **({"attached files": files} if files else {})},
        )
    incident_services.log_change(
        incident=incident,
        by=None,
        text=f"The details of {len(people)} {'person' if len(people) == 1 else 'people'} affected, and "
        f"{messages} message{'' if messages == 1 else 's'} naming someone, were erased under the retention "
        f"period.{f' {files} attached file(s) were erased with them.' if files else ''}",
    )
    return len(people)
