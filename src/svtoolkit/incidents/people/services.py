"""Changing the record of people affected and who may read it (need-to-know); erasing what identifies them."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.locking import save_if_unchanged
from svtoolkit.incidents import history
from svtoolkit.incidents.models import (
    PERSON_AFFECTED_FIELDS,
    Disclosure,
    Incident,
    NeedToKnow,
    PersonAffected,
    PersonAffectedCorrection,
)
from svtoolkit.partnerships import lawful_bases

ERASED_NAME = "Erased"


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
    incident.personal_data_erased_at = timezone.now()
    incident.save(update_fields=["personal_data_erased_at"])
    return people


@transaction.atomic
def add_person_affected(*, incident, by, request=None, **fields) -> PersonAffected:
    """Record someone affected. Whoever records them is on the need-to-know list from then on."""
    person = PersonAffected.objects.create(incident=incident, created_by=by, **fields)
    NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    history.note(incident, by, f"A person affected was recorded ({person.get_role_display().lower()}).")
    history.audit(incident, by, AuditAction.CREATE, person, request)
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
    stored = PersonAffected.objects.select_for_update().get(pk=person.pk)
    if stored.revision != expected_revision:
        raise EditConflict(
            "Someone else corrected this record while you were editing it.", current_revision=stored.revision
        )
    changed = [name for name, value in fields.items() if getattr(stored, name) != value]
    if not changed:
        return stored
    before = {name: _person_value_shown(stored, name) for name in changed}
    save_if_unchanged(PersonAffected, stored.pk, expected_revision=expected_revision, **fields)
    stored.refresh_from_db()
    PersonAffectedCorrection.objects.create(
        person=stored,
        by=by,
        changes=[
            {
                "field": str(PersonAffected._meta.get_field(name).verbose_name).capitalize(),
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
    return stored


def _person_value_shown(person, name) -> str:
    display = getattr(person, f"get_{name}_display", None)
    value = display() if display else getattr(person, name)
    if name == "single_point_of_contact":
        return value.full_name if value else "Nobody"
    return str(value or "")


@transaction.atomic
def add_to_need_to_know(*, incident, user, by, request=None) -> NeedToKnow:
    entry, _ = NeedToKnow.objects.get_or_create(incident=incident, user=user, defaults={"added_by": by})
    history.note(incident, by, f"{user} was added to the need-to-know list.")
    history.audit(incident, by, AuditAction.CREATE, entry, request, user=user.email)
    return entry


@transaction.atomic
def recover_need_to_know(*, incident, by, reason: str, request=None) -> NeedToKnow:
    """A coordinator puts themselves on a list no active member is left on; the reason is kept."""
    if not reason.strip():
        raise DomainError("Give the reason you need to be on the list.", field="reason")
    entry, _ = NeedToKnow.objects.get_or_create(incident=incident, user=by, defaults={"added_by": by})
    history.note(incident, by, f"{by} joined the need-to-know list, as no active member was left on it.")
    history.audit(
        incident, by, AuditAction.CREATE, entry, request, user=by.email, reason=reason.strip(), recovered=True
    )
    return entry


@transaction.atomic
def remove_from_need_to_know(*, entry, by, request=None) -> None:
    # Locked, so two people taking each other off at once cannot empty the list.
    Incident.objects.select_for_update().get(pk=entry.incident_id)
    if entry.incident.need_to_know.count() == 1:
        raise DomainError("Someone must stay on the need-to-know list.")
    history.note(entry.incident, by, f"{entry.user} was taken off the need-to-know list.")
    history.audit(entry.incident, by, AuditAction.DELETE, entry, request, user=entry.user.email)
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
        .select_related("incident__partnership")
        .distinct()
    )
    removed = []
    for entry in entries:
        history.note(
            entry.incident, by, f"{user} was taken off the need-to-know list on leaving {partnership}."
        )
        reason = "left the partnership"
        history.audit(entry.incident, by, AuditAction.DELETE, entry, request, user=user.email, reason=reason)
        removed.append(entry.incident.reference)
        entry.delete()
    return removed


@transaction.atomic
def record_disclosure(
    *,
    incident,
    people,
    what: str,
    recipient: str,
    purpose: str,
    article6_basis: str,
    article9_condition: str = "",
    gateway: str = "",
    agreement=None,
    by,
    request=None,
) -> Disclosure:
    """Log that the personal data of ``people`` left the need-to-know circle: what, to whom, why, and the
    lawful basis. Refused without a UK GDPR Article 6 basis, or with a code not in data/lawful_bases.toml,
    or with another partnership's agreement: a disclosure that cannot say why it is lawful must not happen."""
    for field, kind, code in (
        ("article6_basis", "article6", article6_basis),
        ("article9_condition", "article9", article9_condition),
        ("gateway", "gateway", gateway),
    ):
        if code and code not in dict(lawful_bases.choices(kind)):
            raise DomainError("Choose a lawful basis from the list.", field=field)
    if not article6_basis:
        raise DomainError(
            "Choose the UK GDPR Article 6 basis for this disclosure: without one it cannot be made.",
            field="article6_basis",
        )
    if not purpose.strip():
        raise DomainError("Give the reason for this disclosure.", field="purpose")
    if agreement is not None and agreement.partnership_id != incident.partnership_id:
        raise DomainError(
            "Choose one of this partnership's information-sharing agreements.", field="agreement"
        )
    disclosure = Disclosure.objects.create(
        incident=incident,
        what=what,
        recipient=recipient,
        purpose=purpose.strip(),
        article6_basis=article6_basis,
        article9_condition=article9_condition,
        gateway=gateway,
        agreement=agreement,
        by=by,
    )
    disclosure.people.set(people)
    history.audit(
        incident,
        by,
        AuditAction.CREATE,
        disclosure,
        request,
        what=what,
        recipient=recipient,
        article6_basis=article6_basis,
        people=[person.pk for person in people],
    )
    return disclosure
