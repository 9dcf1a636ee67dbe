"""What the plan's items and the statutory deadlines depend on: the facts known of an incident, checked
against the conditions of the checklist (``playbooks.conditions``) whenever the plan is drawn or redrawn."""

from svtoolkit.incidents.models import AgeBand, PatientStatus, PersonRole
from svtoolkit.playbooks.conditions import met, type_facts

CHILD_AGE_BANDS = frozenset({AgeBand.UNDER_10, AgeBand.TEN_TO_15, AgeBand.SIXTEEN_17})
ADULT_AGE_BANDS = frozenset(set(AgeBand.values) - CHILD_AGE_BANDS - {AgeBand.UNKNOWN})


def facts_of(incident) -> set[str]:
    """What is known of the incident that the plan can depend on (the conditions' fact codes)."""
    facts = type_facts(incident.incident_types)
    categorisation = incident.categorisations.order_by("-decided_at", "-id").first()
    if categorisation is not None:
        facts |= categorisation.categories
        facts |= {f"factor:{code}" for code, present in categorisation.factors.items() if present}
    people = set(incident.people.values_list("role", "age_band", "deceased"))
    if any(deceased for _, _, deceased in people):
        facts.add("death")
    # A child is looked after as a young person involved whatever their part (victim, suspect, witness,
    # family), whether or not the categorisation ticked it.
    if {age_band for _, age_band, _ in people} & CHILD_AGE_BANDS:
        facts.add("young_person")
    victim_ages = {age_band for role, age_band, _ in people if role == PersonRole.VICTIM}
    if victim_ages & CHILD_AGE_BANDS:
        facts.add("child_victim")
    if victim_ages & ADULT_AGE_BANDS:
        facts.add("adult_victim")
    facts |= {f"place:{place}" for place in incident.scenes.exclude(place="").values_list("place", flat=True)}
    return facts | police_facts(incident) | strand_facts(incident)


def strand_facts(incident) -> set[str]:
    """What the partners' strands record: a school attended by those involved, someone in hospital now, and
    someone who died in hospital (a death, as a homicide is)."""
    facts = set()
    if incident.schools.exists():
        facts.add("strand:school")
    statuses = set(incident.hospital_stays.values_list("status", flat=True))
    if PatientStatus.IN_HOSPITAL in statuses:
        facts.add("strand:in_hospital")
    if PatientStatus.DIED in statuses:
        facts.add("death")
    return facts


def police_facts(incident) -> set[str]:
    """What the police's latest declaration says: ``police:<tier>`` and ``police:critical_incident`` if so."""
    declaration = incident.police_declarations.order_by("-declared_at", "-id").first()
    if declaration is None:
        return set()
    return {f"police:{declaration.tier}"} | (
        {"police:critical_incident"} if declaration.critical_incident else set()
    )


def met_for(incident) -> set[str]:
    """The codes an item of the incident's plan may name that hold for it today."""
    return met(facts_of(incident))
