"""Changing the record of people affected and who may read it (need-to-know); erasing what identifies them."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from svtoolkit import access
from svtoolkit.accounts.models import Membership
from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.locking import save_if_unchanged, update_and_move_revision, update_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents.locks import lock_incident
from svtoolkit.incidents.models import (
    PERSON_AFFECTED_FIELDS,
    Consent,
    Incident,
    LawfulBasis,
    NeedToKnow,
    PersonAffected,
    PersonAffectedCorrection,
    PersonNeedToKnow,
)
from svtoolkit.incidents.people.selectors import (
    keeps_someone_to_manage,
    kept_on_the_list_because,
    people_visible_to,
)
from svtoolkit.incidents.services import locked_incidents, redraw_plan, refuse_if_closed_meanwhile

ERASED_NAME = "Erased"
ERASED_RECORD = (
    "This record's details were erased at the end of the retention period: nothing can be added back to it."
)


def erase_people_details(*, incident) -> list[PersonAffected]:
    """Remove what identifies each person affected, keeping role and age band for anonymised statistics.

    Called by the retention job inside its transaction; the job writes the audit entries.
    """
    people = list(incident.people.all())
    incident.people.update(
        name=ERASED_NAME,
        relation="",
        support_needs="",
        consent_scope="",
        referrals="",
        single_point_of_contact=None,
    )
    # A correction keeps what a field said before: it would keep the very name the erasure removes.
    PersonAffectedCorrection.objects.filter(person__incident=incident).delete()
    incident.personal_data_erased_at = timezone.now()
    incident.save(update_fields=["personal_data_erased_at"])
    return people


def check_lawful_basis(*, lawful_basis, consent) -> None:
    """Consent is a record's lawful basis only once it is given (UK GDPR Article 6(1)(a)): a record held on
    consent not asked yet, or refused, would have no lawful basis at all."""
    if lawful_basis == LawfulBasis.CONSENT and consent != Consent.GIVEN:
        raise DomainError(
            "Consent is the lawful basis only once they have given it: choose another basis, or record that "
            "they gave their consent.",
            field="lawful_basis",
        )


@transaction.atomic
def add_person_affected(*, incident, by, request=None, **fields) -> PersonAffected:
    """Record someone affected. Whoever records them is on the incident's need-to-know list from then on;
    the record's own list starts as a copy of the incident's list (with them on it), changed per record
    afterwards (``change_person_need_to_know``)."""
    refuse_if_closed_meanwhile(incident)
    check_lawful_basis(
        lawful_basis=fields.get("lawful_basis"), consent=fields.get("consent", Consent.NOT_ASKED)
    )
    person = PersonAffected.objects.create(incident=incident, created_by=by, **fields)
    NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    PersonNeedToKnow.objects.bulk_create(
        PersonNeedToKnow(person=person, user_id=user_id, added_by=by)
        for user_id in incident.need_to_know.values_list("user_id", flat=True)
    )
    history.note(incident, by, f"A person affected was recorded ({person.get_role_display().lower()}).")
    history.audit(incident, by, AuditAction.CREATE, person, request)
    # A victim's age can bring in items (a child victim's safeguarding notification, say).
    redraw_plan(incident=incident, by=by, reason="a person affected was recorded")
    return person


@transaction.atomic
def correct_person_affected(*, person, by, expected_revision, request=None, **fields) -> PersonAffected:
    """Correct someone's record (any field, consent and lawful basis too); refused if someone else corrected
    it meanwhile. What each changed field said before is kept in the record's corrections; the audit log
    names the fields, never their contents."""
    unknown = set(fields) - set(PERSON_AFFECTED_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    fields = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    # The incident first, before the record (locks.py): the plan redrawn below recounts, which locks the
    # incident, and taking someone off the need-to-know list holds the incident while it changes the records.
    lock_incident(person.incident_id)
    # Locked, so what each field said before is what the update below replaces.
    stored = (
        PersonAffected.objects.select_related("incident").select_for_update(of=("self",)).get(pk=person.pk)
    )
    if stored.incident.personal_data_erased_at is not None:
        # The retention job erases each incident once: details typed back in after it would be kept for ever.
        raise DomainError(ERASED_RECORD)
    changed = [name for name, value in fields.items() if getattr(stored, name) != value]
    if {"lawful_basis", "consent"} & set(changed):
        check_lawful_basis(
            lawful_basis=fields.get("lawful_basis", stored.lawful_basis),
            consent=fields.get("consent", stored.consent),
        )
    before = {name: _person_value_shown(stored, name) for name in changed}
    # Checked even when nothing changed: a save from an old version is refused, never taken as "no change".
    update_if_unchanged(
        stored,
        expected_revision=expected_revision,
        conflict_message="Someone else corrected this record while you were editing it.",
        **fields,
    )
    if not changed:
        return stored
    PersonAffectedCorrection.objects.create(
        person=stored,
        by=by,
        changes=[
            {
                "field": PersonAffectedCorrection.label_of(name),
                "before": before[name],
                "after": _person_value_shown(stored, name),
            }
            for name in changed
        ],
    )
    history.note(
        stored.incident,
        by,
        f"A person affected's record was corrected ({stored.get_role_display().lower()}).",
    )
    history.audit(stored.incident, by, AuditAction.UPDATE, stored, request, fields=changed)
    redraw_plan(incident=stored.incident, by=by, reason="a person affected's record was corrected")
    return stored


@transaction.atomic
def record_death(*, person, by, request=None) -> PersonAffected:
    """Mark someone as having died since they were recorded (a hospital stay that ended in death): a
    correction of their record like any other (what it said before kept, audited, on the timeline), at the
    revision stored now, as it follows from what ``by`` has just recorded. Nothing if it says so already."""
    lock_incident(person.incident_id)  # first, before the record, as every correction does (locks.py)
    stored = PersonAffected.objects.select_for_update().get(pk=person.pk)
    if stored.deceased:
        return stored
    corrected = correct_person_affected(
        person=stored, by=by, expected_revision=stored.revision, request=request, deceased=True
    )
    person.deceased, person.revision = corrected.deceased, corrected.revision
    return corrected


def _person_value_shown(person, name) -> str:
    display = getattr(person, f"get_{name}_display", None)
    value = display() if display else getattr(person, name)
    if name == "single_point_of_contact":
        return value.full_name if value else "Nobody"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value or "")


@transaction.atomic
def add_to_need_to_know(*, incident, user, by, with_records=False, request=None) -> NeedToKnow:
    """Put someone on the incident's list: every record made from now on starts with them on its list. It
    opens no record already made, unless ``with_records`` asks, explicitly, to add them also to each record
    ``by`` may read (never one ``by`` may not: nobody grants more than their own part). Someone on the list
    already (added twice, or by two people at once) is not added again: the timeline and the audit log say
    only what was done. The incident is locked first, as by every change to its lists
    (``change_person_need_to_know``): the records found to open are as the other change left them."""
    lock_incident(incident.pk)
    _refuse_unless_they_see(incident, [user], field="user")
    entry, created = NeedToKnow.objects.get_or_create(incident=incident, user=user, defaults={"added_by": by})
    if created:
        history.note(incident, by, f"{user} was added to the need-to-know list.")
        history.audit(incident, by, AuditAction.CREATE, entry, request, user=user.email)
    opened = list(people_visible_to(by, incident).exclude(need_to_know__user=user)) if with_records else []
    for person in opened:
        added = PersonNeedToKnow.objects.create(person=person, user=user, added_by=by)
        history.audit(incident, by, AuditAction.CREATE, added, request, user=user.email, person=person.pk)
    if opened:
        _lists_changed(opened)
        history.note(incident, by, f"{user} was added to the need-to-know list of the records {by} may read.")
    return entry


def _refuse_unless_they_see(incident, users, *, field: str) -> None:
    """Nobody is put on a need-to-know list who does not see the incident (a partner whose organisation does
    not take part): they would read its records the moment it joined, without anyone deciding then that they
    should, as its leaving takes them off (``remove_organisation_from_need_to_know``)."""
    for user in users:
        if not access.sees_incident(user, incident):
            raise DomainError(
                f"{user} cannot be put on the list: their organisation does not take part in this incident. "
                "Add it as a partner first.",
                field=field,
            )


@transaction.atomic
def recover_need_to_know(*, incident, by, reason: str, request=None) -> NeedToKnow:
    """A coordinator puts themselves on the incident's list, and on each record's own list no active
    coordinator or responder is left on (``access.orphaned_people``); the reason is kept."""
    if not reason.strip():
        raise DomainError("Give the reason you need to be on the list.", field="reason")
    entry, _ = NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    history.note(
        incident, by, f"{by} joined the need-to-know list, as no coordinator or responder was left on it."
    )
    history.audit(
        incident, by, AuditAction.CREATE, entry, request, user=by.email, reason=reason.strip(), recovered=True
    )
    # A record whose own list has no one left to change it would stay so for ever: it is recovered too.
    orphaned = list(access.orphaned_people(incident))
    _lists_changed(orphaned)
    for person in orphaned:
        added, _ = PersonNeedToKnow.objects.get_or_create(person=person, user=by, defaults={"added_by": by})
        history.audit(
            incident,
            by,
            AuditAction.CREATE,
            added,
            request,
            user=by.email,
            reason=reason.strip(),
            recovered=True,
        )
    return entry


def _lists_changed(people) -> None:
    """A record's revision covers its own need-to-know list: changed here other than through its page
    (``change_person_need_to_know``), the list moves the revision on, so a page opened before cannot save
    over the change (putting back someone just taken off, or dropping someone just added)."""
    update_and_move_revision(PersonAffected.objects.filter(pk__in=[person.pk for person in people]))


def _refuse_taking_off_others(incident, users, *, by, field: str | None = None) -> None:
    """Someone of a partnership the incident is shared with takes only their own partnership's people off its
    lists (``access.may_take_off_need_to_know``): the lead partnership's are its to decide on."""
    for user in users:
        if not access.may_take_off_need_to_know(by, user, incident):
            raise DomainError(
                f"You can take off only people of your own partnership, and {user} is not one of them. Ask a "
                f"coordinator or responder of {incident.partnership}, which leads this incident.",
                field=field,
            )


@transaction.atomic
def change_person_need_to_know(*, person, users, by, expected_revision, request=None) -> tuple[list, list]:
    """Set who may read one record to ``users``; refused if someone else changed the record (its list or its
    fields) since the page was opened, so two people editing the list never overwrite each other. Someone
    who can still change the list (a coordinator or responder of the incident's partnership) must stay on
    it; taking yourself off is allowed while they do, and someone of a partnership the incident is shared
    with takes off only their own partnership's people. Each person added or taken off is audited and noted
    on the timeline (by name, never the record's). Returns (added, removed) users.

    The incident is locked first, as by every change to its lists (``remove_from_need_to_know``): each checks
    that someone is left to manage a record against what the other has saved, never against what it read
    before the other saved."""
    lock_incident(person.incident_id)
    wanted = {user.pk: user for user in users}
    if not wanted:
        raise DomainError("Choose at least one person who may read this record.", field="users")
    if not keeps_someone_to_manage(person.incident, wanted.values()):
        raise DomainError(
            f"Keep at least one coordinator or responder of {person.incident.partnership}, which leads this "
            "incident, on the list, so someone there can still change it. One of a partnership the incident "
            "is shared with does not count.",
            field="users",
        )
    save_if_unchanged(
        PersonAffected,
        person.pk,
        expected_revision=expected_revision,
        conflict_message="Someone else changed this record or who may read it while you were editing it.",
    )
    entries = {entry.user_id: entry for entry in person.need_to_know.select_related("user")}
    added = [user for pk, user in wanted.items() if pk not in entries]
    _refuse_unless_they_see(person.incident, added, field="users")
    removed = [entry for pk, entry in entries.items() if pk not in wanted]
    _refuse_taking_off_others(person.incident, [entry.user for entry in removed], by=by, field="users")
    role = person.get_role_display().lower()
    for user in added:
        entry = PersonNeedToKnow.objects.create(person=person, user=user, added_by=by)
        history.note(person.incident, by, f"{user} was added to the need-to-know list of a record ({role}).")
        history.audit(
            person.incident, by, AuditAction.CREATE, entry, request, user=user.email, person=person.pk
        )
    for entry in removed:
        history.note(
            person.incident, by, f"{entry.user} was taken off the need-to-know list of a record ({role})."
        )
        history.audit(
            person.incident, by, AuditAction.DELETE, entry, request, user=entry.user.email, person=person.pk
        )
        entry.delete()
    person.refresh_from_db()
    return added, [entry.user for entry in removed]


def _others_on(entries, entry) -> list:
    """Those on a need-to-know list (``entries``, its rows) but ``entry``'s person."""
    return [other.user for other in entries.exclude(pk=entry.pk).select_related("user")]


@transaction.atomic
def remove_from_need_to_know(*, entry, by, request=None) -> None:
    """Take someone off the incident's list and off every record's own list: taking access away never needs
    more than one's own part. Refused if it would leave the incident's list empty, or it or a record's list
    with no coordinator or responder of the lead partnership to change it, and to someone of a partnership
    the incident is shared with taking off someone not of theirs."""
    # Locked, so two people taking each other off at once cannot empty the list.
    locked_incidents().get(pk=entry.incident_id)
    incident = entry.incident
    _refuse_taking_off_others(incident, [entry.user], by=by)
    on_records = list(
        PersonNeedToKnow.objects.filter(person__incident=entry.incident, user=entry.user).select_related(
            "person__incident__partnership"
        )
    )
    kept_because = kept_on_the_list_because(
        incident,
        entry.user,
        others=_others_on(incident.need_to_know, entry),
        on_records=(
            (record_entry.person, _others_on(record_entry.person.need_to_know, record_entry))
            for record_entry in on_records
        ),
    )
    if kept_because:
        raise DomainError(kept_because)
    history.note(entry.incident, by, f"{entry.user} was taken off the need-to-know list.")
    history.audit(entry.incident, by, AuditAction.DELETE, entry, request, user=entry.user.email)
    _lists_changed([record_entry.person for record_entry in on_records])
    for record_entry in on_records:
        history.audit(
            entry.incident,
            by,
            AuditAction.DELETE,
            record_entry,
            request,
            user=entry.user.email,
            person=record_entry.person_id,
        )
        record_entry.delete()
    entry.delete()


@transaction.atomic
def remove_former_member_from_need_to_know(*, user, partnership, by, request=None) -> list[str]:
    """Take someone leaving ``partnership`` off the need-to-know list of every incident they would no longer
    see through another membership (the incident's lead partnership or one it is shared with). Each entry
    removed is audited and noted on the incident's timeline; the references are returned. A list left
    empty is recovered by a coordinator (``recover_need_to_know``)."""
    other_partnerships = list(
        user.memberships.exclude(partnership=partnership).values_list("partnership_id", flat=True)
    )
    entries = (
        NeedToKnow.objects.filter(user=user)
        .filter(Q(incident__partnership=partnership) | Q(incident__shares__partnership=partnership))
        .exclude(incident__partnership__in=other_partnerships)
        .exclude(incident__shares__partnership__in=other_partnerships)
        .distinct()
    )
    records = (
        PersonNeedToKnow.objects.filter(user=user)
        .filter(
            Q(person__incident__partnership=partnership)
            | Q(person__incident__shares__partnership=partnership)
        )
        .exclude(person__incident__partnership__in=other_partnerships)
        .exclude(person__incident__shares__partnership__in=other_partnerships)
        .distinct()
    )
    return _take_off_lists(
        user,
        entries,
        records,
        by=by,
        request=request,
        note=f"{user} was taken off the need-to-know list on leaving {partnership}.",
        reason="left the partnership",
    )


@transaction.atomic
def remove_changed_member_from_need_to_know(*, user, partnership, by, request=None) -> list[str]:
    """Once someone's role or organisation in ``partnership`` changed, take them off the lists of each of its
    incidents (led or shared with it) they no longer see: a partner moved to an organisation not taking part
    would otherwise read the records again, without anyone deciding they should, once it joins. Each entry
    removed is audited and noted; the references are returned."""
    listed = NeedToKnow.objects.filter(user=user).values("incident")
    on_a_record = PersonNeedToKnow.objects.filter(user=user).values("person__incident")
    incidents = (
        Incident.objects.filter(Q(partnership=partnership) | Q(shares__partnership=partnership))
        .filter(Q(pk__in=listed) | Q(pk__in=on_a_record))
        .distinct()
        .order_by("pk")
    )
    note = f"{user} was taken off the need-to-know list as their role or organisation changed."
    return [
        incident.reference
        for incident in incidents
        if _off_lists_unless_seen(
            user, incident, by=by, request=request, note=note, reason="role or organisation changed"
        )
    ]


@transaction.atomic
def remove_organisation_from_need_to_know(*, incident, organisation, by, request=None) -> list:
    """Once ``organisation`` no longer takes part in ``incident``, take each of its members who no longer
    sees the incident through another membership off the incident's list and each record's own list: were
    it added back, they would otherwise read the records again without anyone deciding they should. Each
    entry removed is audited and noted as a former member's is; the people taken off are returned."""
    on_incident_list = NeedToKnow.objects.filter(incident=incident).values("user")
    on_a_record_list = PersonNeedToKnow.objects.filter(person__incident=incident).values("user")
    shared_with = incident.shares.values("partnership")
    members = (
        Membership.objects.filter(organisation=organisation)
        .filter(Q(user__in=on_incident_list) | Q(user__in=on_a_record_list))
        .filter(Q(partnership=incident.partnership_id) | Q(partnership__in=shared_with))
        .select_related("user")
        .order_by("user_id")
    )
    return [
        user
        for user in {membership.user_id: membership.user for membership in members}.values()
        if _off_lists_unless_seen(
            user,
            incident,
            by=by,
            request=request,
            note=f"{user} was taken off the need-to-know list as {organisation} no longer takes part.",
            reason="organisation no longer takes part",
        )
    ]


def _off_lists_unless_seen(user, incident, *, by, request, note: str, reason: str) -> bool:
    """Take ``user`` off the incident's list and its records' lists unless they still see it through a
    membership (a responder, say, or a member of another partnership it is shared with); whether they were."""
    if access.sees_incident(user, incident):
        return False
    _take_off_lists(
        user,
        NeedToKnow.objects.filter(incident=incident, user=user),
        PersonNeedToKnow.objects.filter(person__incident=incident, user=user),
        by=by,
        request=request,
        note=note,
        reason=reason,
    )
    return True


def _take_off_lists(user, entries, records, *, by, request, note: str, reason: str) -> list[str]:
    """Delete ``user``'s incident-list ``entries`` (each noted on its incident's timeline with ``note``) and
    record-list ``records``, each audited with ``reason``; returns the references of the incidents
    concerned."""
    removed = []
    for entry in entries.select_related("incident__partnership"):
        history.note(entry.incident, by, note)
        history.audit(entry.incident, by, AuditAction.DELETE, entry, request, user=user.email, reason=reason)
        removed.append(entry.incident.reference)
        entry.delete()
    # And off each record's own list of those incidents (they may be on a record and not the incident's list).
    records = list(records.select_related("person__incident__partnership"))
    _lists_changed([entry.person for entry in records])
    for entry in records:
        incident = entry.person.incident
        history.audit(
            incident,
            by,
            AuditAction.DELETE,
            entry,
            request,
            user=user.email,
            person=entry.person_id,
            reason=reason,
        )
        if incident.reference not in removed:
            removed.append(incident.reference)
        entry.delete()
    return removed
