"""Reading people affected: only for those on the need-to-know list, with a reason, and audited."""

from datetime import timedelta

from django.db.models import (
    Count,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from svtoolkit import access
from svtoolkit.incidents import history
from svtoolkit.incidents.models import (
    PersonRole,
)

# The one lister of people affected lives beside the incident's selectors, so sharing an incident (its
# services) reads it without an import circle; the people's pages and documents take it from here.
from svtoolkit.incidents.selectors import people_visible_to

DUE_SOON = timedelta(hours=24)


def people_summary(incident) -> list[dict]:
    """How many people of each role are recorded: what those off the need-to-know list may see."""
    rows = incident.people.values("role").annotate(count=Count("id")).order_by("role")
    return [{"label": PersonRole(row["role"]).label.lower(), "count": row["count"]} for row in rows]


def people_for(user, incident) -> list:
    """The records ``user`` may read, by role and age band only (names appear only when a record is opened
    with a reason, ``read_person``, which is audited); empty for someone on no record's list."""
    return list(people_visible_to(user, incident).only("id", "role", "age_band", "deceased", "incident_id"))


def read_person(*, user, incident, person_id, reason: str, request):
    """Open one person's record. The only way to read it: refused off that record's list, always audited."""
    from svtoolkit.incidents.models import PersonAffected, PersonAffectedCorrection

    person = access.get_for(
        request,
        PersonAffected.objects.filter(incident=incident)
        .select_related("single_point_of_contact", "incident")
        .prefetch_related(
            Prefetch("corrections", queryset=PersonAffectedCorrection.objects.select_related("by"))
        ),
        person_id,
        rule=access.can_read_person,
    )
    history.opened(incident, user, person, request, reason=reason)
    return person


def read_people(*, user, incident, reason: str, purpose: str, request=None) -> list:
    """The records ``user`` may read, at once, for a document they asked for (a situation report): refused
    to someone on no record's list, and each record audited as if opened with read_person, with the reason.
    Records off their list are left out, not refused: the document holds only their part."""
    people = list(people_visible_to(user, incident).select_related("single_point_of_contact"))
    if not people:
        access.deny(request, reason="can_read_any_person")
    history.opened_each(incident, user, people, request, reason=reason, purpose=purpose)
    return people


def person_need_to_know_list(person) -> QuerySet:
    """Who may read one record, by name: shown to those who may read it."""
    return person.need_to_know.select_related("user", "added_by").order_by("user__full_name", "id")


def need_to_know_list(incident) -> QuerySet:
    return incident.need_to_know.select_related("user", "added_by").order_by("user__full_name")


def mark_may_take_off(entries, user, incident) -> list:
    """Each entry of the incident's need-to-know list, or of one of its records', with ``may_take_off``:
    whether ``user`` may take its person off (``access.may_take_off_need_to_know``; the page offers it only
    then)."""
    entries = list(entries)
    for entry in entries:
        entry.may_take_off = access.may_take_off_need_to_know(user, entry.user, incident)
    return entries


def need_to_know_entry(incident, entry_id):
    return get_object_or_404(incident.need_to_know.select_related("user", "incident"), pk=entry_id)


def disclosures_of(person) -> QuerySet:
    """The times this person's data left the need-to-know circle, newest first, with the agreement relied on
    (its review date shown, so one past it is flagged). For those who may read the record only."""
    return person.disclosures.select_related("agreement", "by")
