"""The shipped escalation policy and launch protocol: a data file in our own words, read once."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from svtoolkit.alerts.models import DutyRole
from svtoolkit.partnerships.models import OrganisationKind

DEFAULTS_PATH = Path(__file__).resolve().parent / "data" / "defaults.toml"
ANY_CATEGORY = "any"


@dataclass(frozen=True)
class Step:
    duty_role: str
    after_minutes: int


@dataclass(frozen=True)
class Rule:
    category: str
    organisation_kind: str = ""
    organisation_id: int | None = None
    why: str = ""


@cache
def _data() -> dict:
    with DEFAULTS_PATH.open("rb") as data_file:
        data = tomllib.load(data_file)
    for step in data["escalation"]:
        DutyRole(step["duty_role"])  # an unknown role fails at once, not in the middle of an incident
    for rule in data["launch"]:
        for kind in rule["organisation_kinds"]:
            OrganisationKind(kind)
    return data


def default_escalation() -> list[Step]:
    return [Step(step["duty_role"], step["after_minutes"]) for step in _data()["escalation"]]


def default_launch_rules() -> list[Rule]:
    return [
        Rule(category=rule["category"], organisation_kind=kind, why=rule.get("why", ""))
        for rule in _data()["launch"]
        for kind in rule["organisation_kinds"]
    ]
