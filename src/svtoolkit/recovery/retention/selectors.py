"""What is due for erasure, and a person's subject-access export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Max, Q
from django.utils import timezone

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.selectors import entries_about, sensitive_views_of
from svtoolkit.communications.selectors import messages_naming_someone, read_messages, title_shown
from svtoolkit.core import scheduling
from svtoolkit.incidents import history as incident_history
from svtoolkit.incidents.models import Incident, IncidentStatus, PersonAffected
from svtoolkit.incidents.people.selectors import disclosures_of, person_need_to_know_list
from svtoolkit.partnerships.models import Partnership
from svtoolkit.recovery.models import MilestoneKind
from svtoolkit.recovery.support.selectors import offers_for

# Proceedings and statutory reviews on the recovery calendar: the people's details may be needed until each is
# over, so erasure waits for the day after the last of them.
HOLD_ERASURE = [
    MilestoneKind.COURT,
    MilestoneKind.TRIAL,
    MilestoneKind.INQUEST,
    MilestoneKind.INVESTIGATION_OUTCOME,
    MilestoneKind.DOMESTIC_HOMICIDE_REVIEW,
    MilestoneKind.CHILD_SAFEGUARDING_REVIEW,
    MilestoneKind.SAFEGUARDING_ADULTS_REVIEW,
]
# The retention job (recovery.tasks.erase_expired_personal_data), by its scheduled name.
ERASURE_JOB = "recovery.erase_expired_personal_data"
_LAST_HOLD = Max("milestones__date", filter=Q(milestones__kind__in=HOLD_ERASURE))


def erase_on(incident, *, years: int | None = None) -> date | None:
    """The day the people-affected details of a closed incident fall due for erasure: the partnership's
    retention period (or the one given) after closing, or the day after the last trial, inquest or review on
    its recovery calendar, whichever is later."""
    if incident.status != IncidentStatus.CLOSED or incident.closed_at is None:
        return None
    held_until = (
        incident.held_until
        if hasattr(incident, "held_until")
        else incident.milestones.filter(kind__in=HOLD_ERASURE).aggregate(Max("date"))["date__max"]
    )
    return _erasure_day(
        closed_at=incident.closed_at,
        years=years or incident.partnership.personal_data_retention_years,
        held_until=held_until,
    )


def _erasure_day(*, closed_at, years: int, held_until: date | None) -> date:
    due = timezone.localtime(closed_at).date() + relativedelta(years=years)
    return max(due, held_until + timedelta(days=1)) if held_until else due


def next_erasure_day() -> date:
    """The day the retention job's next run takes as today: tomorrow once tonight's run is past midnight, and
    today when the job is switched off (an operator may then run it by hand at any time)."""
    now = timezone.now()
    next_run = scheduling.next_run_of(ERASURE_JOB, after=now)
    return timezone.localdate(next_run or now)


def due_at_once_under(partnership, years: int) -> list["DueForErasure"]:
    """What a new retention period would have erased by the next nightly run: shown before it is saved."""
    erased_by = next_erasure_day()
    return [
        DueForErasure(row.incident, row.people, erase_on(row.incident, years=years))
        for row in due_for_erasure(partnership, limit=None)
        if erase_on(row.incident, years=years) <= erased_by
    ]


@dataclass(frozen=True)
class DueForErasure:
    incident: Incident
    people: int
    erase_on: date

    @property
    def held(self) -> bool:
        """Erased later than the retention period alone says: a trial or review on its calendar holds it."""
        held_until = getattr(self.incident, "held_until", None)
        return held_until is not None and self.erase_on == held_until + timedelta(days=1)


def due_for_erasure(partnership, *, limit: int | None = 50) -> list[DueForErasure]:
    """Closed incidents of the partnership not yet erased, soonest erasure first, with the people recorded.
    Every one is erased at its date, whatever it holds: besides people's records, messages, attached files
    and schools' notes may name someone."""
    waiting = Incident.objects.filter(
        partnership=partnership, status=IncidentStatus.CLOSED, personal_data_erased_at__isnull=True
    ).annotate(held_until=_LAST_HOLD)
    if limit:
        # A trial or review holding an incident puts it after others closed later: the soonest are chosen by
        # their day of erasure, worked out for every one from its closing and its last hold alone.
        years = partnership.personal_data_retention_years
        days = {
            pk: _erasure_day(closed_at=closed_at, years=years, held_until=held_until)
            for pk, closed_at, held_until in waiting.values_list("pk", "closed_at", "held_until")
        }
        waiting = waiting.filter(pk__in=sorted(days, key=lambda pk: (days[pk], pk))[:limit])
    incidents = waiting.annotate(people_count=Count("people", distinct=True)).select_related("partnership")
    due = [DueForErasure(incident, incident.people_count, erase_on(incident)) for incident in incidents]
    return sorted(due, key=lambda row: (row.erase_on, row.incident.pk))


def incidents_due_for_erasure(today: date) -> list[Incident]:
    """Every closed incident, in every partnership, due by today to have its people's details (and the
    messages, files and schools' notes that may name them) erased, whatever it still holds."""
    closed_before = Q()
    for partnership_id, years in Partnership.objects.values_list("pk", "personal_data_retention_years"):
        # A day to spare past the last closing day due, which erase_on (below) then decides: a year on from
        # 29 February is 28 February, and counting back a year from that day misses 29 February.
        closed_by = today - relativedelta(years=years) + timedelta(days=2)
        closed_before |= Q(
            partnership_id=partnership_id,
            closed_at__lt=timezone.make_aware(datetime.combine(closed_by, time.min)),
        )
    if not closed_before:
        return []
    candidates = (
        Incident.objects.filter(status=IncidentStatus.CLOSED, personal_data_erased_at__isnull=True)
        .filter(closed_before)
        .annotate(held_until=_LAST_HOLD)
        .select_related("partnership")
        .order_by("closed_at", "id")
    )
    return [incident for incident in candidates if erase_on(incident) <= today]


def subject_access_export(*, user, incident, person_id, reason: str, request) -> dict:
    """Everything held about one person affected, for a subject-access request: refused off that record's
    list (``access.can_read_person``), always audited."""
    person = access.get_for(
        request,
        PersonAffected.objects.filter(incident=incident).select_related(
            "single_point_of_contact", "incident__partnership"
        ),
        person_id,
        rule=access.can_read_person,
    )
    incident_history.opened(
        incident,
        user,
        person,
        request,
        reason=reason,
        action=AuditAction.EXPORT_SENSITIVE,
        what="subject-access export",
    )
    offers = list(offers_for(person))
    stays = list(person.hospital_stays.select_related("hospital").order_by("id"))
    referrals = list(person.safeguarding_referrals.order_by("referred_at", "id"))
    # The support summary names each person it shows (entries_about); before it did, it wrote one entry for
    # the whole incident, which every export of the incident still lists (sensitive_views_of).
    history = sorted(
        [*entries_about(person), *sensitive_views_of(incident)]
        + [entry for record in [*offers, *stays, *referrals] for entry in entries_about(record)],
        key=lambda entry: (entry.at, entry.pk),
    )
    return {
        "about": (
            "Everything svtoolkit holds about one person affected by an incident: their record and its "
            "corrections, the support offered, their hospital stays and safeguarding referrals, messages of "
            "the incident that named or showed someone affected (check whether they are about this person; "
            "one the exporter may not read is listed without its text: ask someone on the incident's need-to-"
            "know list), who may read the record, and its history, including every time it, their support, "
            "stays, referrals or the incident's support summary was opened, by whom and why. Free text typed "
            "elsewhere (timeline updates, decisions, minutes) is not searched: check it by hand."
        ),
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.email,
        "partnership": incident.partnership.name,
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "occurred_at": incident.occurred_at.isoformat(),
            "status": incident.get_status_display(),
        },
        "person": {
            "name": person.name,
            "how_affected": person.get_role_display(),
            "relation": person.relation,
            "age_band": person.get_age_band_display(),
            "support_needs": person.support_needs,
            "consent_to_share": person.get_consent_display(),
            "consent_scope": person.consent_scope,
            "referrals": person.referrals,
            "single_point_of_contact": (
                person.single_point_of_contact.full_name if person.single_point_of_contact else None
            ),
            "lawful_basis": person.get_lawful_basis_display(),
            "sharing_agreement": person.sharing_agreement,
            "recorded_at": person.created_at.isoformat(),
        },
        "disclosures": [
            {
                "at": disclosure.at.isoformat(),
                "what": disclosure.what,
                "to": disclosure.recipient,
                "why": disclosure.purpose,
                "article6_basis": disclosure.get_article6_basis_display(),
                "article9_condition": disclosure.get_article9_condition_display(),
                "gateway": disclosure.get_gateway_display(),
                "agreement": disclosure.agreement.name if disclosure.agreement else None,
            }
            for disclosure in disclosures_of(person)
        ],
        "support": [
            {
                "kind": offer.get_kind_display(),
                "service": offer.support_service.name if offer.support_service else None,
                "description": offer.description,
                "referred_to": offer.disclosure.recipient if offer.disclosure else None,
                "offered_by": str(offer.offered_by) if offer.offered_by else None,
                "offered_on": offer.offered_on.isoformat(),
                "response": offer.get_response_display(),
                "outcome": offer.outcome,
                "follow_up_on": offer.follow_up_on.isoformat() if offer.follow_up_on else None,
            }
            for offer in offers
        ],
        "hospital_stays": [
            {
                "hospital": stay.hospital.name if stay.hospital else None,
                "status": stay.get_status_display(),
                "ward_restrictions": stay.ward_restrictions,
                "visitor_arrangements": stay.visitor_arrangements,
                "expected_discharge_on": _isoformat(stay.expected_discharge_on),
                "discharge_plan": stay.discharge_plan,
                "discharge_plan_agreed_at": _isoformat(stay.discharge_plan_agreed_at),
                "violence_reduction_team_told_at": _isoformat(stay.violence_reduction_team_informed_at),
            }
            for stay in stays
        ],
        "safeguarding_referrals": [
            {
                "route": referral.get_route_display(),
                "referred_at": referral.referred_at.isoformat(),
                "outcome": referral.outcome,
                "outcome_at": _isoformat(referral.outcome_at),
            }
            for referral in referrals
        ],
        "corrections": [
            {
                "at": correction.at.isoformat(),
                "by": str(correction.by) if correction.by else None,
                "changes": correction.changes,
            }
            for correction in person.corrections.select_related("by").order_by("at", "id")
        ],
        "messages_naming_someone_affected": _messages_for_export(
            user=user, incident=incident, request=request
        ),
        "who_may_read_the_record": [entry.user.email for entry in person_need_to_know_list(person)],
        "record_history": [
            {
                "at": entry.at.isoformat(),
                "by": entry.actor_label,
                "action": entry.get_action_display(),
                "detail": entry.detail,
            }
            for entry in history
        ],
    }


def _messages_for_export(*, user, incident, request) -> list[dict]:
    """The incident's messages naming someone affected, as the exporter may read each
    (``access.can_read_message``: an exporter on this record's list need not be on the incident's), each
    reading audited as on its page."""
    messages = list(messages_naming_someone().filter(incident=incident))
    readable = read_messages(
        messages,
        incident=incident,
        user=user,
        partnership=incident.partnership,
        request=request,
        what="message naming someone affected, in a subject-access export",
    )
    return [_message_for_export(message, readable=message.pk in readable) for message in messages]


def _message_for_export(message, *, readable: bool) -> dict:
    return {
        "title": title_shown(message, readable=readable),
        "restricted": not readable,
        "text": message.body if readable else None,
        "audience": message.audience if readable else None,
        "status": message.get_status_display(),
        "family_agreed_at": message.family_agreed_at.isoformat() if message.family_agreed_at else None,
    }


def _isoformat(moment) -> str | None:
    return moment.isoformat() if moment else None
