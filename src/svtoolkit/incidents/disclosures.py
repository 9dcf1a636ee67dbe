"""The disclosure log: each time personal data leaves the need-to-know circle, what, to whom, why and on
which lawful basis."""

from django.db import transaction

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.core.personal_data import declarations
from svtoolkit.incidents import history
from svtoolkit.incidents.models import Disclosure, PersonAffected, PersonAffectedCorrection
from svtoolkit.partnerships import lawful_bases

ERASED_NAME = "Erased"
NO_ARTICLE9 = (
    "Choose the UK GDPR Article 9 condition: this includes health information (special category data), "
    "so without one it cannot be shared"
)


def _kept_about_one_person_with_special_category_data():
    """Each model declaring special category data (``personal_data``) kept about one person affected, with
    the field naming them: a hospital stay, a safeguarding referral (which tells of the harm done to them
    and their welfare, outcome or not), support offered, and whatever is declared so later. The record
    itself and its corrections are asked field by field: only their support needs are health."""
    for model, declared in declarations():
        if not declared.special_category or model in (PersonAffected, PersonAffectedCorrection):
            continue
        for field in model._meta.get_fields():
            if field.many_to_one and field.related_model is PersonAffected:
                yield model, field.name


def holds_health_information(people) -> bool:
    """Whether the records of ``people`` hold health information, special category data (docs/data-map.md):
    support needs, now or before a correction, or any record about them declared as special category data.
    What goes with their records then needs a UK GDPR Article 9 condition."""
    pks = [person.pk for person in people]
    return (
        any(person.support_needs.strip() for person in people)
        or any(
            model.objects.filter(**{f"{field}_id__in": pks}).exists()
            for model, field in _kept_about_one_person_with_special_category_data()
        )
        or any(
            correction.changed("support_needs")
            for correction in PersonAffectedCorrection.objects.filter(person_id__in=pks)
        )
    )


def basis_given(basis: dict | None) -> dict:
    """The why and the lawful basis given for a disclosure (``record_disclosure``'s keywords), those left out
    blank: a disclosure asked for without them is then refused saying what is missing."""
    return {"purpose": "", "article6_basis": "", **(basis or {})}


@transaction.atomic
def record_disclosure(
    *,
    incident,
    people,
    what: str,
    recipient: str,
    purpose: str,
    article6_basis: str,
    special_category: bool,
    article9_condition: str = "",
    gateway: str = "",
    agreement=None,
    share=None,
    by,
    request=None,
) -> Disclosure:
    """Log that the personal data of ``people`` left the need-to-know circle: what, to whom, why, and the
    lawful basis. Refused without a UK GDPR Article 6 basis, without an Article 9 condition when what leaves
    includes special category data (``special_category``: health, for example), or with a code not in
    data/lawful_bases.toml, or with another partnership's agreement: a disclosure that cannot say why it is
    lawful must not happen. ``share`` is the incident share the disclosure makes, when it is one: what the
    other partnership may read."""
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
    if special_category and not article9_condition:
        raise DomainError(f"{NO_ARTICLE9}.", field="article9_condition")
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
        share=share,
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
        article6_basis=article6_basis,
        article9_condition=article9_condition,
        people=[person.pk for person in people],
    )
    return disclosure
