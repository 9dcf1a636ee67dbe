"""The rule that decides which checklist items apply, written once for the plan an incident draws (the
incidents app, from the facts it knows of the incident) and an exercise's run sheet (from the types and
categories ticked): the conditions of data/conditions.toml, each holding when the facts it names are known."""

import tomllib
from functools import cache
from pathlib import Path

CONDITIONS_PATH = Path(__file__).resolve().parent / "data" / "conditions.toml"
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
    """The facts, the death types when a death is known, and every condition of the data file they satisfy:
    what an item's codes are matched to."""
    if "death" in facts:
        facts = facts | {f"type:{code}" for code in DEATH_TYPES}
    return facts | {code for code, condition in conditions().items() if holds(condition, facts)}


def ticked_facts(codes) -> set[str]:
    """What ticking these categories for an exercise says is known, as the incident's records would give it:
    each code, the facts a ticked condition needs (``all``: a child seriously harmed is a child victim), and a
    child victim is a young person involved (``incidents.conditions.facts_of`` counts every child so)."""
    facts = set(codes)
    for code in codes:
        facts |= set(conditions().get(code, {}).get("all", []))
    if "child_victim" in facts:
        facts.add("young_person")
    return facts


def type_facts(incident_types) -> set[str]:
    """What an incident's types alone say: ``type:<code>`` for each, and ``death`` for a homicide."""
    facts = {f"type:{code}" for code in incident_types}
    if DEATH_TYPES.intersection(incident_types):
        facts.add("death")
    return facts


def types_in(codes: set[str]) -> set[str]:
    """The incident types among ``codes`` (what ``met`` returns), which an item's types are matched to: the
    incident's own, and homicide when a death is recorded on it."""
    return {code.removeprefix("type:") for code in codes if code.startswith("type:")}
