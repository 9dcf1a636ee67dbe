"""Reading people affected: only for those on the need-to-know list, with a reason, and audited."""

from datetime import timedelta

from django.db.models import (
    Count,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from svtoolkit import access
from svtoolkit.incidents.models import (
    PersonRole,
)

DUE_SOON = timedelta(hours=24)


def people_summary(incident) -> list[dict]:
    """How many people of each role are recorded: what those off the need-to-know list may see."""
    rows = incident.people.values("role").annotate(count=Count("id")).order_by("role")
    return [{"label": PersonRole(row["role"]).label.lower(), "count": row["count"]} for row in rows]


def people_for(user, incident) -> QuerySet | None:
    """The records, by role and age band only, for someone on the need-to-know list; None for anyone else.

    Names appear only when a record is opened with a reason (read_person), which is audited.
    """
    if not access.can_read_people(user, None, incident):
        return None
    return incident.people.only("id", "role", "age_band", "incident_id")


def read_person(*, user, incident, person_id, reason: str, request=None):
    """Open one person's record. The only way to read it: refused off the list, and always audited."""
    from svtoolkit.audit.models import AuditAction
    from svtoolkit.audit.services import record
    from svtoolkit.incidents.models import PersonAffected, PersonAffectedCorrection

    if not access.can_read_people(user, None, incident):
        access.deny(request, reason="can_read_people")
    person = get_object_or_404(
        PersonAffected.objects.select_related("single_point_of_contact").prefetch_related(
            Prefetch("corrections", queryset=PersonAffectedCorrection.objects.select_related("by"))
        ),
        pk=person_id,
        incident=incident,
    )
    record(
        action=AuditAction.VIEW_SENSITIVE,
        actor=user,
        partnership=incident.partnership,
        target=person,
        detail={"reason": reason, "incident": incident.reference},
        request=request,
    )
    return person


def read_people(*, user, incident, reason: str, purpose: str, request=None) -> list:
    """Every person's record at once, for a document the need-to-know list asked for (a situation report):
    refused off the list, and each record audited as if opened with read_person, with the same reason."""
    from svtoolkit.audit.models import AuditAction
    from svtoolkit.audit.services import record

    if not access.can_read_people(user, None, incident):
        access.deny(request, reason="can_read_people")
    people = list(incident.people.select_related("single_point_of_contact").order_by("role", "id"))
    for person in people:
        record(
            action=AuditAction.VIEW_SENSITIVE,
            actor=user,
            partnership=incident.partnership,
            target=person,
            detail={"reason": reason, "incident": incident.reference, "purpose": purpose},
            request=request,
        )
    return people


def need_to_know_list(incident) -> QuerySet:
    return incident.need_to_know.select_related("user", "added_by").order_by("user__full_name")


def need_to_know_entry(incident, entry_id):
    return get_object_or_404(incident.need_to_know.select_related("user", "incident"), pk=entry_id)


def disclosures_of(person) -> QuerySet:
    """The times this person's data left the need-to-know circle, newest first, with the agreement relied on
    (its review date shown, so one past it is flagged). For those who may read the record only."""
    return person.disclosures.select_related("agreement", "by")
