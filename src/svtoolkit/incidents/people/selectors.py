"""Reading people affected: only for those on the need-to-know list, with a reason, and audited."""

from collections import defaultdict
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
    PersonNeedToKnow,
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


def keeps_someone_to_manage(incident, users) -> bool:
    """Whether someone left on the incident's list, or one of its records', can still change it: an active
    coordinator or responder of the partnership leading it, which owns the incident (not of one it is shared
    with)."""
    return any(user.is_active and access.can_manage_incident(user, incident.partnership) for user in users)


def kept_on_the_list_because(incident, listed, *, others, on_records) -> str:
    """Why taking ``listed`` off the incident's need-to-know list, and so off each of its records', is refused
    ("" when it is not): someone must stay on it, and on it and on each record's list ``listed`` is on
    (``on_records``: each such record with the others on its list) a coordinator or responder of the lead
    partnership, who can still change it. The service refuses with it; the list's page offers to take off
    only where it is ""."""
    if not others:
        return "Someone must stay on the need-to-know list."
    if not keeps_someone_to_manage(incident, others):
        return (
            f"{listed} cannot be taken off: keep at least one coordinator or responder of "
            f"{incident.partnership} on the need-to-know list, as it leads this incident. Add another first."
        )
    for person, others_on_record in on_records:
        if not keeps_someone_to_manage(incident, others_on_record):
            return (
                f"{listed} is the last coordinator or responder of {incident.partnership} who may read a "
                f"record ({person.get_role_display().lower()}): add someone to that record's list first."
            )
    return ""


def need_to_know_to_change(incident, user) -> list:
    """The incident's need-to-know list as ``user`` may change it: each entry with ``may_take_off``, whether
    taking its person off would be allowed (theirs to take off, ``mark_may_take_off``, and not refused by
    the keep-one rule), and ``kept_because``, what that rule says when it would not. Each record's list is
    read in one query, whatever the number of records."""
    entries = mark_may_take_off(need_to_know_list(incident), user, incident)
    users = {entry.user_id: entry.user for entry in entries}  # one object a person: their roles read once
    on_records, people = defaultdict(list), {}
    for record_entry in PersonNeedToKnow.objects.filter(person__incident=incident).select_related(
        "person", "user"
    ):
        on_records[record_entry.person_id].append(users.setdefault(record_entry.user_id, record_entry.user))
        people[record_entry.person_id] = record_entry.person
    return _kept_by_the_keep_one_rule(
        incident,
        entries,
        on_records=lambda entry: (
            (people[person_id], [each for each in listed if each.pk != entry.user_id])
            for person_id, listed in on_records.items()
            if any(each.pk == entry.user_id for each in listed)
        ),
    )


def person_need_to_know_to_change(person, user) -> list:
    """One record's need-to-know list as ``user`` may change it, as ``need_to_know_to_change`` gives the
    incident's: the page offers to untick only those whose taking off would be allowed, and shows the lead
    partnership's last coordinator or responder on it as kept, saying why (``kept_because``)."""
    entries = mark_may_take_off(person_need_to_know_list(person), user, person.incident)
    return _kept_by_the_keep_one_rule(person.incident, entries, on_records=lambda entry: ())


def _kept_by_the_keep_one_rule(incident, entries, *, on_records) -> list:
    """``entries`` (marked by ``mark_may_take_off``) with ``kept_because``: why the keep-one rule keeps each
    one's person on (``kept_on_the_list_because``, given the records ``on_records(entry)``), "" when it does
    not; ``may_take_off`` is then false for those it keeps."""
    for entry in entries:
        entry.kept_because = ""
        if not entry.may_take_off:
            continue
        entry.kept_because = kept_on_the_list_because(
            incident,
            entry.user,
            others=[other.user for other in entries if other is not entry],
            on_records=on_records(entry),
        )
        entry.may_take_off = not entry.kept_because
    return entries


def need_to_know_entry(incident, entry_id):
    return get_object_or_404(incident.need_to_know.select_related("user", "incident"), pk=entry_id)


def disclosures_of(person) -> QuerySet:
    """The times this person's data left the need-to-know circle, newest first, with the agreement relied on
    (its review date shown, so one past it is flagged). For those who may read the record only."""
    return person.disclosures.select_related("agreement", "by")
