"""Statutory and formal deadlines of an incident, worked out from what is known of it.

The rules are data (data/deadlines.toml): each names the condition it applies under (of the checklist's
playbooks/data/conditions.toml), how long it allows (working days in England and Wales, or calendar months)
and the statute or guidance that sets it. Dates other apps hold (the inquest and the trial on the recovery
calendar) join them through ``register_deadline_source``, since this app may not import those apps.
"""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from svtoolkit.core.datetimes import days_later_on_the_clock
from svtoolkit.core.working_days import add_working_days
from svtoolkit.incidents import conditions

DEADLINES_PATH = Path(__file__).resolve().parent / "data" / "deadlines.toml"
# A deadline counted in working days falls due at the end of the last working day's office hours.
END_OF_WORKING_DAY = time(17, 0)


@dataclass(frozen=True)
class Deadline:
    key: str
    title: str
    due_on: date
    source: str
    basis: str  # how the date was worked out, in words


@cache
def rules() -> list[dict]:
    with DEADLINES_PATH.open("rb") as data_file:
        return tomllib.load(data_file)["deadlines"]


def due_after(timing: dict, start: datetime) -> datetime:
    """When an item of this checklist timing falls due, counted from ``start``: in working days if the timing
    says so (weekends and bank holidays skipped, due at the end of the day); else its whole days on the clock
    (a week from Friday 10:00 is the next Friday 10:00, whether or not the clocks changed between) and any
    hours beyond them, or under a day, as hours elapsed."""
    if timing.get("working_days"):
        local = timezone.localtime(start)
        day = add_working_days(local.date(), timing["working_days"])
        return timezone.make_aware(datetime.combine(day, END_OF_WORKING_DAY), local.tzinfo)
    days, hours = divmod(timing["hours"], 24)
    return days_later_on_the_clock(start, days) + timedelta(hours=hours)


def _period(rule: dict, told_on: date) -> tuple[date, str]:
    if rule.get("working_days"):
        count = rule["working_days"]
        return add_working_days(told_on, count), f"{count} working days after the partnership was told"
    count = rule["months"]
    return told_on + relativedelta(
        months=count
    ), f"{count} month{'s' * (count > 1)} after the partnership was told"


def statutory_deadlines(incident, met: set[str] | None = None) -> list[Deadline]:
    """The statutory and formal deadlines that apply to the incident as it is known today, soonest first."""
    met = conditions.met_for(incident) if met is None else met
    told_on = timezone.localtime(incident.notified_at).date()
    found = []
    for rule in rules():
        if rule["when"] not in met:
            continue
        due_on, basis = _period(rule, told_on)
        found.append(
            Deadline(key=rule["key"], title=rule["title"], due_on=due_on, source=rule["source"], basis=basis)
        )
    return sorted(found, key=lambda deadline: deadline.due_on)


_sources: list[Callable] = []


def register_deadline_source(source: Callable) -> None:
    """A higher app adds dates it keeps (``source(incident)`` returns Deadlines), in its AppConfig.ready."""
    if source not in _sources:
        _sources.append(source)


def deadlines_for(incident) -> list[Deadline]:
    """Every deadline of the incident: the statutory ones and the dates other apps keep, soonest first."""
    found = statutory_deadlines(incident)
    for source in _sources:
        found.extend(source(incident))
    return sorted(found, key=lambda deadline: deadline.due_on)
