"""What the plan's items and the statutory deadlines depend on, as data: the conditions of
data/conditions.toml, checked against the facts known of an incident whenever the plan is drawn or redrawn."""

import tomllib
from functools import cache
from pathlib import Path

from svtoolkit.incidents.models import AgeBand, PatientStatus, PersonRole

CONDITIONS_PATH = Path(__file__).resolve().parent / "data" / "conditions.toml"
CHILD_AGE_BANDS = frozenset({AgeBand.UNDER_10, AgeBand.TEN_TO_15, AgeBand.SIXTEEN_17})
ADULT_AGE_BANDS = frozenset(set(AgeBand.values) - CHILD_AGE_BANDS - {AgeBand.UNKNOWN})
# The incident types that mean someone died; a death recorded otherwise (someone affected deceased, a hospital
# stay that ended in death) brings them in too, so the items tied to them (the bereaved family's homicide
# support) apply whichever way the death was recorded.
DEATH_TYPES = frozenset({"homicide"})


@cache
def conditions() -> dict[str, dict]:
    with CONDITIONS_PATH.open("rb") as data_file:
        return tomllib.load(data_file)["conditions"]


def holds(condition: dict, facts: set[str]) -> bool:
    """Every fact of ``all`` is known and, when ``any`` is given, at least one of it."""
    if not set(condition.get("all", [])) <= facts:
        return False
    return "any" not in condition or bool(facts.intersection(condition["any"]))


def met(facts: set[str]) -> set[str]:
    """The facts and every condition of the data file they satisfy: what an item's codes are matched to."""
    return facts | {code for code, condition in conditions().items() if holds(condition, facts)}


def facts_of(incident) -> set[str]:
    """What is known of the incident that the plan can depend on (the fact codes of data/conditions.toml)."""
    facts = {f"type:{code}" for code in incident.incident_types}
    if DEATH_TYPES.intersection(incident.incident_types):
        facts.add("death")
    categorisation = incident.categorisations.order_by("-decided_at", "-id").first()
    if categorisation is not None:
        facts |= categorisation.categories
        facts |= {f"factor:{code}" for code, present in categorisation.factors.items() if present}
    people = set(incident.people.values_list("role", "age_band", "deceased"))
    if any(deceased for _, _, deceased in people):
        facts.add("death")
    victim_ages = {age_band for role, age_band, _ in people if role == PersonRole.VICTIM}
    if victim_ages & CHILD_AGE_BANDS:
        facts.add("child_victim")
    if victim_ages & ADULT_AGE_BANDS:
        facts.add("adult_victim")
    facts |= {f"place:{place}" for place in incident.scenes.exclude(place="").values_list("place", flat=True)}
    facts |= police_facts(incident) | strand_facts(incident)
    if "death" in facts:
        facts |= {f"type:{code}" for code in DEATH_TYPES}
    return facts


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


def types_in(codes: set[str]) -> set[str]:
    """The incident types among ``codes`` (facts, or what ``met`` returns), which an item's types are matched
    to: the incident's own, and homicide when a death is recorded on it."""
    return {code.removeprefix("type:") for code in codes if code.startswith("type:")}


def met_for(incident) -> set[str]:
    """The codes an item of the incident's plan may name that hold for it today."""
    return met(facts_of(incident))
