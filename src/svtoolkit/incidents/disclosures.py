"""The disclosure log: each time personal data leaves the need-to-know circle, what, to whom, why and on
which lawful basis."""

from django.db import transaction

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import history
from svtoolkit.incidents.models import Disclosure, PersonAffected, health_information_condition
from svtoolkit.partnerships import lawful_bases

ERASED_NAME = "Erased"
NO_ARTICLE9 = (
    "Choose the UK GDPR Article 9 condition: this includes health information (special category data), "
    "so without one it cannot be shared"
)
# What a share of an incident says when given no reason (``services.share_incident``); its forms show it.
NO_REASON_TO_SHARE = "Give the reason for sharing it"


def holds_health_information(people) -> bool:
    """Whether the records of ``people`` hold health information (``models.health_information_condition``):
    what goes with their records then needs a UK GDPR Article 9 condition."""
    return any(person.support_needs.strip() for person in people) or (
        PersonAffected.objects.filter(pk__in=[person.pk for person in people])
        .filter(health_information_condition())
        .exists()
    )


def why_shared_shown(detail: dict) -> list[tuple[str, str]]:
    """A share's audit entry as the audit log page shows it (``services.share_incident`` keeps them on it):
    what went, why, and the lawful basis, the codes in words; those not given are left out."""
    lines = [
        ("What went", detail.get("what", "")),
        ("Why", detail.get("purpose", "")),
        ("UK GDPR Article 6 basis", lawful_bases.label("article6", detail.get("article6_basis", ""))),
        ("Article 9 condition", lawful_bases.label("article9", detail.get("article9_condition", ""))),
        ("Gateway", lawful_bases.label("gateway", detail.get("gateway", ""))),
        ("Information-sharing agreement relied on", detail.get("agreement", "")),
    ]
    return [(label, value) for label, value in lines if value]


def basis_given(basis: dict | None) -> dict:
    """The why and the lawful basis given for a disclosure (``record_disclosure``'s keywords), those left out
    blank: a disclosure asked for without them is then refused saying what is missing."""
    return {"purpose": "", "article6_basis": "", **(basis or {})}


def check_basis(
    *,
    incident,
    purpose: str,
    article6_basis: str,
    special_category: bool,
    article9_condition: str = "",
    gateway: str = "",
    agreement=None,
) -> None:
    """Refuse a disclosure of ``incident``'s people affected (``record_disclosure``), or a share of it, that
    cannot say why it is lawful: no UK GDPR Article 6 basis, no Article 9 condition when ``special_category``,
    no reason, a code not in data/lawful_bases.toml, or another partnership's agreement."""
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
    check_basis(
        incident=incident,
        purpose=purpose,
        article6_basis=article6_basis,
        special_category=special_category,
        article9_condition=article9_condition,
        gateway=gateway,
        agreement=agreement,
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


def erase_typed_details(*, incident, recipients_kept=()) -> None:
    """Erase why each of the incident's disclosures was made, and to whom where that was typed in (either may
    name the person: "SAR from Jordan Smith"), keeping that it was made, what left, when, by whom and on which
    basis: the accountability record. A recipient svtoolkit wrote itself names no one affected and is kept:
    the partnership a share went to, the MASH or daily risk meeting, or one of ``recipients_kept``. Called by
    the retention job inside its transaction."""
    logged = Disclosure.objects.filter(incident=incident)
    logged.filter(share__isnull=True, referral__isnull=True).exclude(recipient__in=recipients_kept).update(
        recipient=ERASED_NAME
    )
    logged.update(purpose=ERASED_NAME)
