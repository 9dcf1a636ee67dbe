"""Reading the partner directory: organisations, contacts, support services and what is due for review.

Every object named in a URL is looked up through the current partnership, so another partnership's id is
a 404 rather than a leak.
"""

from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.models import User
from svtoolkit.accounts.selectors import member_users
from svtoolkit.partnerships.models import (
    Contact,
    ContactImport,
    IncidentRole,
    Organisation,
    SharingAgreement,
    SupportService,
)


def contact_import_in(partnership, import_id) -> ContactImport:
    """A background contacts import of this partnership (its file's text left out)."""
    return get_object_or_404(partnership.contact_imports.defer("content"), pk=import_id)


def active_organisations(partnership) -> QuerySet[Organisation]:
    return partnership.organisations.filter(is_active=True)


def lead_organisation(partnership) -> Organisation | None:
    """The partnership's own lead organisation (its community safety team), taking part in every incident."""
    return active_organisations(partnership).filter(leads_partnership=True).first()


def organisations_of(partnership) -> QuerySet[Organisation]:
    """Active organisations with their owner and number of active contacts, in one query."""
    return (
        active_organisations(partnership)
        .select_related("owner")
        .annotate(contact_count=Count("contacts", filter=Q(contacts__is_active=True)))
    )


def organisation_in(partnership, organisation_id) -> Organisation:
    return get_object_or_404(active_organisations(partnership).select_related("owner"), pk=organisation_id)


def organisation_page(organisation) -> dict:
    """An organisation's contacts in escalation order, the support services it provides, and whether it has
    a single point of contact (else reminders and escalations of its actions reach nobody there)."""
    contacts = list(organisation.contacts.filter(is_active=True).select_related("owner"))
    return {
        "contacts": contacts,
        "support_services": list(organisation.support_services.filter(is_active=True)),
        "has_single_point_of_contact": any(
            contact.incident_role == IncidentRole.SINGLE_POINT_OF_CONTACT for contact in contacts
        ),
    }


def left_without_if_removed(contact) -> str:
    """What taking ``contact`` out of the directory would leave its organisation without, to warn before it is
    confirmed: ``"contact"`` (it is the only one), ``"single point of contact"`` (it is the only one of
    those), or ``""``."""
    others = contact.organisation.contacts.filter(is_active=True).exclude(pk=contact.pk)
    if not others.exists():
        return "contact"
    is_spoc = contact.incident_role == IncidentRole.SINGLE_POINT_OF_CONTACT
    if is_spoc and not others.filter(incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT).exists():
        return "single point of contact"
    return ""


def contacts_of(partnership) -> QuerySet[Contact]:
    """Active contacts of the partnership's active organisations, ordered by organisation and escalation."""
    return Contact.objects.filter(
        organisation__partnership=partnership, organisation__is_active=True, is_active=True
    ).select_related("organisation", "owner")


def contact_in(partnership, contact_id) -> Contact:
    return get_object_or_404(contacts_of(partnership), pk=contact_id)


def single_points_of_contact_to_email(organisations=None) -> dict[int, Contact]:
    """By organisation id, the single point of contact of each organisation (of ``organisations``, else of
    all) still in the directory and with an email address: whom to write to when no one else is named."""
    contacts = Contact.objects.filter(incident_role=IncidentRole.SINGLE_POINT_OF_CONTACT, is_active=True)
    if organisations is not None:
        contacts = contacts.filter(organisation__in=organisations)
    return {
        contact.organisation_id: contact
        for contact in contacts.exclude(email="").select_related("organisation")
    }


def support_services_of(partnership) -> QuerySet[SupportService]:
    return partnership.support_services.filter(is_active=True).select_related("provider", "owner")


def support_service_in(partnership, service_id) -> SupportService:
    return get_object_or_404(support_services_of(partnership), pk=service_id)


def sharing_agreements_of(partnership) -> QuerySet[SharingAgreement]:
    """The partnership's active information-sharing agreements with their owner and parties."""
    return (
        partnership.sharing_agreements.filter(is_active=True)
        .select_related("owner")
        .prefetch_related("parties")
    )


def sharing_agreement_in(partnership, agreement_id) -> SharingAgreement:
    return get_object_or_404(sharing_agreements_of(partnership), pk=agreement_id)


# --- Review reminders --------------------------------------------------------------------------------


# Each kind of entry reviewed, by the name a review page's address gives it: what it is called and its
# active entries in the partnership, with their owner.
REVIEWED_KINDS = {
    "organisation": (
        "Organisation",
        lambda partnership: active_organisations(partnership).select_related("owner"),
    ),
    "contact": ("Contact", contacts_of),
    "support-service": ("Support service", support_services_of),
    "sharing-agreement": ("Information-sharing agreement", sharing_agreements_of),
}


def reviewed_entries(partnership, kind: str) -> QuerySet:
    """The partnership's active entries of ``kind`` (a key of ``REVIEWED_KINDS``); any other kind is not
    found (404)."""
    if kind not in REVIEWED_KINDS:
        raise Http404("No such kind of directory entry.")
    return REVIEWED_KINDS[kind][1](partnership)


def entry_page(kind: str, entry) -> str:
    """The page that shows ``entry`` (of ``kind``, a key of ``REVIEWED_KINDS``): a contact's is their
    organisation's."""
    if kind == "contact":
        return reverse("partnerships:organisation", args=[entry.organisation_id])
    return reverse(f"partnerships:{kind.replace('-', '_')}", args=[entry.pk])


@dataclass(frozen=True)
class OverdueEntry:
    """One directory entry past its review date, as the home page and the reminder email list it, with the
    page that sets its next review date (``review_path``)."""

    kind: str
    name: str
    path: str
    review_due: date
    owner: User | None
    review_path: str


def overdue_entries(partnership, *, owner=None, today: date | None = None) -> list[OverdueEntry]:
    """Entries whose review date has passed, oldest first; only ``owner``'s when one is given."""
    today = today or timezone.localdate()
    due = Q(review_due__lt=today)
    if owner is not None:
        due &= Q(owner=owner)

    # Each kind of entry (REVIEWED_KINDS) by its name in the list.
    names = {"contact": lambda contact: f"{contact.name}, {contact.organisation.name}"}
    entries = [
        OverdueEntry(
            REVIEWED_KINDS[kind][0],
            names.get(kind, attrgetter("name"))(entry),
            entry_page(kind, entry),
            entry.review_due,
            entry.owner,
            reverse("partnerships:entry_review", args=[kind, entry.pk]),
        )
        for kind in REVIEWED_KINDS
        for entry in reviewed_entries(partnership, kind).filter(due)
    ]
    return sorted(entries, key=lambda entry: (entry.review_due, entry.kind, entry.name))


def overdue_entries_by_owner(partnership, *, today: date | None = None) -> dict[User, list[OverdueEntry]]:
    """Overdue entries grouped by their owner, for owners who are still active members."""
    members = set(member_users(partnership))
    grouped: dict[User, list[OverdueEntry]] = {}
    for entry in overdue_entries(partnership, today=today):
        if entry.owner in members:
            grouped.setdefault(entry.owner, []).append(entry)
    return grouped


def review_home_section(*, user, partnership) -> dict | None:
    """Home-page section: the coordinator sees every overdue entry; any other owner sees only their own."""
    from svtoolkit import access

    if access.can_edit_directory(user, partnership):
        return {"entries": overdue_entries(partnership), "everyone": True}
    entries = overdue_entries(partnership, owner=user)
    return {"entries": entries, "everyone": False} if entries else None
