"""Reading meetings, and drafting an agenda from the incident's state."""

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from svtoolkit.incidents.models import OPEN_ACTION_STATUSES
from svtoolkit.incidents.selectors import current_categorisation
from svtoolkit.incidents.tallies import first_critical_incident_meeting, first_partner_informed
from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships.models import Contact, Organisation
from svtoolkit.partnerships.selectors import single_points_of_contact_to_email


def meetings_of(incident) -> QuerySet[Meeting]:
    return incident.meetings.select_related("chair").order_by("starts_at")


def meeting_in(incident, meeting_id) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("chair", "incident__partnership").prefetch_related(
            "invited_organisations"
        ),
        pk=meeting_id,
        incident=incident,
    )


def _agenda_item(heading: str, entries: list[str], *, none: str = ": none") -> list[str]:
    """An agenda heading with its entries listed beneath it, or the heading alone (saying there are none)."""
    return [f"{heading}:", *(f"   - {entry}" for entry in entries)] if entries else [heading + none]


def draft_agenda(incident) -> str:
    """An agenda from where the response stands: open areas, overdue actions and what needs deciding."""
    now = timezone.now()
    open_areas = (
        incident.actions.filter(status__in=OPEN_ACTION_STATUSES)
        .values("area_title", "area_position")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        .order_by("area_position", "area_title")
    )
    overdue = list(
        incident.actions.filter(status__in=OPEN_ACTION_STATUSES, due_at__lt=now)
        .select_related("owner_organisation")
        .order_by("due_at")[:10]
    )
    to_decide = []
    categorisation = current_categorisation(incident)
    if categorisation is None:
        to_decide.append("Is this a serious violence incident? Is the response cross-borough?")
    if not incident.leads.exists():
        to_decide.append("Who leads the response?")
    if incident.participations.filter(informed_at__isnull=True).exists():
        to_decide.append("Which partners still need to be told?")
    if incident.playbook_version_id is None:
        to_decide.append("Draw up the response plan from the checklist.")
    areas = [
        f"{row['area_title']}: {row['open']} open" + (f", {row['overdue']} overdue" if row["overdue"] else "")
        for row in open_areas
    ]
    lines = [
        f"1. Introductions, apologies and information-sharing reminder ({incident.reference})",
        "2. The incident: what is known, categorisation and lead",
        *_agenda_item("3. Checklist areas still open", areas),
        *_agenda_item(
            "4. Overdue actions",
            [f"{action.title} ({action.owner_organisation or 'no owner'})" for action in overdue],
        ),
        "5. Community tension and communications",
        *_agenda_item("6. Decisions needed", to_decide, none=""),
        "7. Actions, owners and deadlines",
        "8. Date of the next meeting",
    ]
    return "\n".join(lines)


def _contact_of_each(meeting) -> dict:
    """Each invited organisation with the contact its invitation goes to: its contact on the incident, or else
    its single point of contact, still in the directory (active) with an email address; None when it has
    neither."""
    on_incident = {
        p.organisation_id: p.contact
        for p in meeting.incident.participations.select_related("contact__organisation")
        if p.contact and p.contact.is_active and p.contact.email
    }
    single_points_of_contact = single_points_of_contact_to_email(meeting.invited_organisations.all())
    return {
        organisation: on_incident.get(organisation.pk) or single_points_of_contact.get(organisation.pk)
        for organisation in meeting.invited_organisations.all()
    }


def invited_contacts(meeting) -> list[Contact]:
    """For each invited organisation: its contact on the incident, or else its single point of contact; only
    those still in the directory (active) with an email address, each once."""
    contacts, emails = [], set()
    for contact in _contact_of_each(meeting).values():
        if contact and contact.email.lower() not in emails:
            contacts.append(contact)
            emails.add(contact.email.lower())
    return contacts


def organisations_not_reached(meeting) -> list[Organisation]:
    """The invited organisations that no invitation reaches: no contact with an email address on the incident
    nor as their single point of contact. Whoever schedules the meeting is told, to invite them otherwise."""
    return [organisation for organisation, contact in _contact_of_each(meeting).items() if contact is None]


def with_first_response(incidents):
    """``incidents`` annotated with the start of their first critical-incident meeting held
    (``first_meeting``, as the totals count it) and the moment the first partner was informed
    (``first_informed``): subqueries, for figures grouped in SQL."""
    return incidents.annotate(
        first_meeting=first_critical_incident_meeting(),
        first_informed=first_partner_informed(),
    )


def since_notified(moment: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(moment) - F("notified_at"), output_field=DurationField())
