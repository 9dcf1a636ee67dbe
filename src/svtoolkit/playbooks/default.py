"""svtoolkit's default incident checklist: a data file written in our own words, checked as it loads."""

import tomllib
from functools import cache
from pathlib import Path

from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.playbooks.models import CompletingEvent, Phase, timing_suits_phase

DEFAULT_PLAYBOOK_PATH = Path(__file__).resolve().parent / "data" / "default_playbook.toml"
SCHEMA = 1
MAX_ACTION_LENGTH = 200


class PlaybookDataError(ValueError):
    """The data file breaks the schema; the message lists every problem found."""


def load_playbook_data(path: Path = DEFAULT_PLAYBOOK_PATH) -> dict:
    with path.open("rb") as data_file:
        data = tomllib.load(data_file)
    problems = playbook_data_problems(data)
    if problems:
        raise PlaybookDataError(f"{path.name}: " + "; ".join(problems))
    return data


def vocabularies_of(data: dict) -> dict:
    return {key: data[key] for key in ("incident_types", "categories", "timings")}


@cache
def default_vocabularies() -> dict:
    """The shipped vocabularies, for a partnership that has not published its own checklist yet."""
    return vocabularies_of(load_playbook_data())


def playbook_data_problems(data: dict) -> list[str]:
    """Everything wrong with a playbook data file, so one read shows all that needs fixing."""
    problems = []
    if data.get("schema") != SCHEMA:
        return [f"schema must be {SCHEMA}"]
    for section in ("name", "edition", "incident_types", "categories", "timings", "areas"):
        if section not in data:
            problems.append(f"missing '{section}'")
    if problems:
        return problems
    for code, timing in data["timings"].items():
        problems.extend(_timing_problems(code, timing))
    phases, kinds = set(Phase.values), set(OrganisationKind.values)
    types, categories, timings = set(data["incident_types"]), set(data["categories"]), set(data["timings"])
    area_keys, item_keys = set(), set()
    for area in data["areas"]:
        where = f"area '{area.get('key')}'"
        if area.get("key") in area_keys:
            problems.append(f"{where} appears twice")
        area_keys.add(area.get("key"))
        if area.get("phase") not in phases:
            problems.append(f"{where} has phase {area.get('phase')!r}")
        if not area.get("title") or not area.get("items"):
            problems.append(f"{where} needs a title and items")
        for item in area.get("items", []):
            problems.extend(
                _item_problems(
                    item, area, item_keys, kinds=kinds, types=types, categories=categories, timings=timings
                )
            )
            item_keys.add(item.get("key"))
    return problems


def _timing_problems(code, timing) -> list[str]:
    """A timing is a label and a number of hours; a statutory clock adds a positive number of working days."""
    problems = []
    if not isinstance(timing.get("hours"), int) or timing["hours"] < 0:
        problems.append(f"timing '{code}' needs a whole number of hours")
    working_days = timing.get("working_days")
    if working_days is not None and (not isinstance(working_days, int) or working_days < 1):
        problems.append(f"timing '{code}' needs working_days of 1 or more, or none")
    return problems


def _item_problems(item, area, seen_keys, *, kinds, types, categories, timings) -> list[str]:
    where = f"item '{item.get('key')}'"
    problems = []
    if not item.get("key") or item["key"] in seen_keys:
        problems.append(f"{where} needs a key of its own")
    if not item.get("action") or len(item["action"]) > MAX_ACTION_LENGTH:
        problems.append(f"{where} needs an action of at most {MAX_ACTION_LENGTH} characters")
    if item.get("owner_kind") not in kinds:
        problems.append(f"{where} has owner_kind {item.get('owner_kind')!r}")
    if item.get("timing") not in timings:
        problems.append(f"{where} has timing {item.get('timing')!r}")
    elif not timing_suits_phase(item["timing"], area.get("phase")):
        problems.append(f"{where}: 'preparation' timing is for the before phase, and only for it")
    if not set(item.get("incident_types", [])) <= types:
        problems.append(f"{where} names unknown incident types")
    if not set(item.get("categories", [])) <= categories:
        problems.append(f"{where} names unknown categories")
    if item.get("completed_by", "") not in {"", *CompletingEvent.values}:
        problems.append(f"{where} is completed by an unknown event {item.get('completed_by')!r}")
    if not isinstance(item.get("essential"), bool):
        problems.append(f"{where} must say whether it is essential")
    return problems
