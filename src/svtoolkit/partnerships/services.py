"""Changing the partner directory. Each change runs in one transaction and is audited.

Edits are optimistic: the caller passes the ``revision`` its form started from, and the save is refused
(``EditConflict``, from ``core.locking``) when someone else has saved the entry since, so nobody silently
overwrites a colleague.
"""

from django.db import transaction
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record, record_deleted, record_updated
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import hold_row, update_and_move_revision, update_if_unchanged
from svtoolkit.partnerships import contact_import, tasks
from svtoolkit.partnerships.entries import audit_value, create_audited
from svtoolkit.partnerships.models import (
    CONTACT_FIELDS,
    NO_AGREEMENT_PARTIES,
    ORGANISATION_FIELDS,
    REPORTING_KINDS,
    SHARING_AGREEMENT_FIELDS,
    SUPPORT_SERVICE_FIELDS,
    Contact,
    ContactImport,
    Organisation,
    Partnership,
    SharingAgreement,
    SupportService,
    already_a_contact,
    contact_key,
)
from svtoolkit.partnerships.signals import contact_deactivated, contact_readdressed, partnership_moved


@transaction.atomic
def move_to_region(*, partnership, region, by, request=None) -> None:
    """Move a partnership to another region, or out of every region (``region`` None): audited, and told to
    the apps that keep something with the region (``signals.partnership_moved``) in this transaction. Nothing
    happens when it is in that region already."""
    locked = (
        Partnership.objects.select_for_update(of=("self",)).select_related("region").get(pk=partnership.pk)
    )
    from_region = locked.region
    if from_region == region:
        return
    locked.region = partnership.region = region
    locked.save(update_fields=["region"])
    record_updated(
        by=by,
        target=locked,
        partnership=locked,
        request=request,
        region={"from": str(from_region or ""), "to": str(region or "")},
    )
    partnership_moved.send(
        sender=Partnership,
        partnership=locked,
        from_region=from_region,
        to_region=region,
        by=by,
        request=request,
    )


def take_turns_in(partnership) -> None:
    """Whatever is numbered or scheduled across the partnership (incident references, lesson numbers, the
    duty rota) is decided by one transaction at a time (``core.locking.hold_row``)."""
    hold_row(partnership)


# --- Shared rules ------------------------------------------------------------------------------------


def _check_details(details: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(details) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _check_owner(partnership, owner) -> None:
    if owner is not None and not owner.memberships.filter(partnership=partnership).exists():
        raise DomainError(
            f"{owner} is not a member of {partnership}, so cannot own this entry.", field="owner"
        )


def _changes(entry, details: dict) -> dict:
    changed = {}
    for field, new in details.items():
        old = getattr(entry, field)
        if old != new:
            changed[field] = {"before": audit_value(old), "after": audit_value(new)}
    return changed


def _create(model, *, partnership, details, by, request, **links):
    """A new entry, audited, whose owner (if any) is a member of the partnership."""
    _check_owner(partnership, details.get("owner"))
    return create_audited(model, partnership=partnership, details=details, by=by, request=request, **links)


# What each kind of entry is called when someone else saved it first.
_CALLED = {
    Organisation: "organisation",
    Contact: "contact",
    SupportService: "support service",
    SharingAgreement: "agreement",
}


def _update(entry, *, expected_revision, details, by, request):
    """Save an edit made from ``expected_revision``; EditConflict, naming the entry, if saved since."""
    partnership = entry.organisation.partnership if isinstance(entry, Contact) else entry.partnership
    what = _CALLED[type(entry)]
    _check_owner(partnership, details.get("owner"))
    before = type(entry).objects.get(pk=entry.pk)
    update_if_unchanged(
        entry,
        expected_revision=expected_revision,
        conflict_message=(
            f"Someone else changed this {what} while you were editing it. Their version is shown below; make "
            "your changes again."
        ),
        updated_at=timezone.now(),
        **details,
    )
    record_updated(
        by=by,
        partnership=partnership,
        target=entry,
        request=request,
        changes=_changes(before, details),
        revision=entry.revision,
    )
    return entry


def _deactivate(entry, *, expected_revision, partnership, by, request):
    """Take ``entry`` out of the directory as the remove page showed it (``expected_revision``); EditConflict,
    naming the entry, if saved since: what someone made of it meanwhile is not removed unseen."""
    update_if_unchanged(
        entry,
        expected_revision=expected_revision,
        conflict_message=f"Someone else changed this {_CALLED[type(entry)]} since you opened this page.",
        is_active=False,
        updated_at=timezone.now(),
    )
    record_deleted(by=by, partnership=partnership, target=entry, request=request, deactivated=True)


@transaction.atomic
def set_review_date(*, entry, expected_revision: int, review_due, by, request=None):
    """Set the date a directory entry (of any kind) is next to be reviewed by, once checked: its owner's way
    to answer the review reminder (``access.can_review_entry``). Compare-and-set on its revision, audited;
    the date must be after today, or the entry would still be overdue."""
    if review_due <= timezone.localdate():
        raise DomainError("The next review date must be after today", field="review_due")
    return _update(
        entry, expected_revision=expected_revision, details={"review_due": review_due}, by=by, request=request
    )


def _check_name_free(partnership, entries: str, name, *, what: str, editing=None) -> None:
    """No two of the partnership's active ``entries`` (its related name for a kind) share a name (in any
    case): one taken out of the directory leaves its name free. ``editing`` may keep its own. Two
    coordinators naming entries at once take turns, so the second is told rather than meeting the
    database's refusal (an error page)."""
    take_turns_in(partnership)
    queryset = getattr(partnership, entries).filter(is_active=True)
    if editing is not None:
        queryset = queryset.exclude(pk=editing.pk)
    if queryset.filter(name__iexact=name).exists():
        raise DomainError(f"There is already {what} called {name} in the directory.", field="name")


# --- Organisations -----------------------------------------------------------------------------------


@transaction.atomic
def create_organisation(*, partnership, details: dict, by, request=None) -> Organisation:
    _check_details(details, ORGANISATION_FIELDS)
    _check_name_free(partnership, "organisations", details["name"], what="an organisation")
    # Police forces report incidents unless a coordinator says otherwise; others only when allowed.
    details = {"may_report_incidents": details.get("kind") in REPORTING_KINDS, **details}
    return _create(Organisation, partnership=partnership, details=details, by=by, request=request)


@transaction.atomic
def update_organisation(
    *, organisation, expected_revision: int, details: dict, by, request=None
) -> Organisation:
    _check_details(details, ORGANISATION_FIELDS)
    _check_name_free(
        organisation.partnership,
        "organisations",
        details["name"],
        what="an organisation",
        editing=organisation,
    )
    if details.get("leads_partnership"):
        _stand_down_lead(organisation, by=by, request=request)
    updated = _update(
        organisation, expected_revision=expected_revision, details=details, by=by, request=request
    )
    return updated


def _stand_down_lead(new_lead, *, by, request) -> None:
    """One lead organisation per partnership: naming ``new_lead`` stands the last one down, audited on it,
    moving its revision on, so a page open on it cannot make it the lead again unnoticed. The caller takes
    turns in the partnership (``_check_name_free``), so no one names another lead meanwhile."""
    former = new_lead.partnership.organisations.exclude(pk=new_lead.pk).filter(leads_partnership=True).first()
    if former is None:
        return
    update_and_move_revision(
        Organisation.objects.filter(pk=former.pk), leads_partnership=False, updated_at=timezone.now()
    )
    former.refresh_from_db()
    record_updated(
        by=by,
        partnership=new_lead.partnership,
        target=former,
        request=request,
        changes={"leads_partnership": {"before": True, "after": False}},
        revision=former.revision,
    )


# --- Contacts ----------------------------------------------------------------------------------------


def _check_not_listed(organisation, name: str, email: str, *, editing=None) -> None:
    """One active contact per person at an organisation (``contact_key``, the contacts import's rule);
    ``editing`` may keep its own. The organisation's row is held until the transaction ends, so two adds of
    one person at once take turns and the second is told. ``FOR NO KEY UPDATE``, as in ``take_turns_in``."""
    hold_row(organisation)
    listed = organisation.contacts.filter(is_active=True)
    if editing is not None:
        listed = listed.exclude(pk=editing.pk)
    key = contact_key(organisation.pk, name, email)
    if any(contact_key(*row) == key for row in listed.values_list("organisation_id", "name", "email")):
        raise DomainError(already_a_contact(name, organisation), field="name")


@transaction.atomic
def create_contact(*, organisation, details: dict, by, request=None) -> Contact:
    """Add a contact to an organisation, unless the same person is listed there already."""
    _check_details(details, CONTACT_FIELDS)
    _check_not_listed(organisation, details["name"], details.get("email", ""))
    return _create(
        Contact,
        partnership=organisation.partnership,
        details=details,
        by=by,
        request=request,
        organisation=organisation,
    )


@transaction.atomic
def update_contact(*, contact, expected_revision: int, details: dict, by, request=None) -> Contact:
    """Save an edit of a contact. A new email address is told to the incidents app
    (``signals.contact_readdressed``): a link sent to the old one no longer acknowledges."""
    _check_details(details, CONTACT_FIELDS)
    named, emailed = Contact.objects.values_list("name", "email").get(pk=contact.pk)
    name, email = details.get("name", named), details.get("email", emailed)
    if contact_key(contact.organisation_id, name, email) != contact_key(
        contact.organisation_id, named, emailed
    ):
        # Renamed or readdressed into someone listed already; an entry kept as it is is never refused.
        _check_not_listed(contact.organisation, name, email, editing=contact)
    _update(contact, expected_revision=expected_revision, details=details, by=by, request=request)
    if "email" in details and details["email"].strip().casefold() != emailed.strip().casefold():
        contact_readdressed.send(sender=Contact, contact=contact, by=by, request=request)
    return contact


@transaction.atomic
def deactivate_contact(*, contact, expected_revision: int, by, request=None) -> None:
    """Take a contact out of the directory (compare-and-set on its revision); the row stays so the audit log
    still names it. The incidents app hears of it (``signals.contact_deactivated``): a link sent to the
    contact no longer acknowledges."""
    _deactivate(
        contact,
        expected_revision=expected_revision,
        partnership=contact.organisation.partnership,
        by=by,
        request=request,
    )
    contact_deactivated.send(sender=Contact, contact=contact, by=by, request=request)


def import_contacts(*, partnership, rows: list[dict], by, request=None) -> int:
    """Create every contact of an already checked import, or none of them."""
    return contact_import.create_contacts(partnership=partnership, contacts=rows, by=by, request=request)


@transaction.atomic
def start_contact_import(*, partnership, text: str, file_name: str, row_count: int, by) -> ContactImport:
    """Keep a large contacts file for the task worker, which checks and imports it all or nothing; the
    returned import shows its progress."""
    job = ContactImport.objects.create(
        partnership=partnership,
        uploaded_by=by,
        file_name=file_name[:255],
        content=text,
        total_rows=row_count,
    )
    transaction.on_commit(lambda: tasks.run_contact_import.enqueue(import_id=job.pk))
    return job


# --- Support services --------------------------------------------------------------------------------


def _check_provider(partnership, provider) -> None:
    if provider is not None and provider.partnership_id != partnership.pk:
        raise DomainError("Choose an organisation of this partnership as the provider.", field="provider")


@transaction.atomic
def create_support_service(*, partnership, details: dict, by, request=None) -> SupportService:
    _check_details(details, SUPPORT_SERVICE_FIELDS)
    _check_provider(partnership, details.get("provider"))
    _check_name_free(partnership, "support_services", details["name"], what="a support service")
    return _create(SupportService, partnership=partnership, details=details, by=by, request=request)


@transaction.atomic
def update_support_service(
    *, service, expected_revision: int, details: dict, by, request=None
) -> SupportService:
    _check_details(details, SUPPORT_SERVICE_FIELDS)
    _check_provider(service.partnership, details.get("provider"))
    _check_name_free(
        service.partnership, "support_services", details["name"], what="a support service", editing=service
    )
    return _update(service, expected_revision=expected_revision, details=details, by=by, request=request)


@transaction.atomic
def deactivate_support_service(*, service, expected_revision: int, by, request=None) -> None:
    """Take a service out of the register (compare-and-set on its revision); the row stays so the audit log
    still names it."""
    _deactivate(
        service, expected_revision=expected_revision, partnership=service.partnership, by=by, request=request
    )


def record_contacts_export(*, partnership, count: int, by, request=None) -> None:
    """Exporting contacts takes personal data out of svtoolkit, so it is written to the audit log."""
    record(
        action=AuditAction.EXPORT_SENSITIVE,
        actor=by,
        partnership=partnership,
        detail={"what": "contacts export", "rows": count},
        request=request,
    )


# --- Information-sharing agreements ------------------------------------------------------------------


def _agreement_details(partnership, details: dict) -> tuple[dict, list]:
    """The agreement's own fields and its parties, checked to be organisations of this partnership."""
    _check_details(details, SHARING_AGREEMENT_FIELDS)
    details = dict(details)
    parties = list(details.pop("parties", []))
    if not parties:
        raise DomainError(NO_AGREEMENT_PARTIES, field="parties")
    if any(party.partnership_id != partnership.pk for party in parties):
        raise DomainError("Choose organisations of this partnership as the parties.", field="parties")
    if not details.get("article6_basis"):
        raise DomainError(
            "Choose the UK GDPR Article 6 basis the agreement relies on.", field="article6_basis"
        )
    return details, parties


def _set_parties(agreement, parties, *, by, request) -> None:
    before = sorted(agreement.parties.values_list("pk", flat=True))
    agreement.parties.set(parties)
    after = sorted(party.pk for party in parties)
    if before != after:
        record_updated(
            by=by, target=agreement, request=request, changes={"parties": {"before": before, "after": after}}
        )


@transaction.atomic
def create_sharing_agreement(*, partnership, details: dict, by, request=None) -> SharingAgreement:
    """Add an information-sharing agreement to the register; it is reviewed by its date like any entry."""
    details, parties = _agreement_details(partnership, details)
    _check_name_free(partnership, "sharing_agreements", details["name"], what="an agreement")
    agreement = _create(SharingAgreement, partnership=partnership, details=details, by=by, request=request)
    agreement.parties.set(parties)
    return agreement


@transaction.atomic
def update_sharing_agreement(
    *, agreement, expected_revision: int, details: dict, by, request=None
) -> SharingAgreement:
    details, parties = _agreement_details(agreement.partnership, details)
    _check_name_free(
        agreement.partnership, "sharing_agreements", details["name"], what="an agreement", editing=agreement
    )
    agreement = _update(
        agreement, expected_revision=expected_revision, details=details, by=by, request=request
    )
    _set_parties(agreement, parties, by=by, request=request)
    return agreement
