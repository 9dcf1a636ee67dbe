"""Recording community tension, and raising the alarm when it crosses the alert level."""

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction
from svtoolkit.core.datetimes import CLOCK_SKEW
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents import tallies
from svtoolkit.incidents.selectors import answering_lead
from svtoolkit.messaging import services as messaging
from svtoolkit.tension.models import TensionReading
from svtoolkit.tension.scale import level_label, scale
from svtoolkit.tension.selectors import areas_at_alert_level, same_area_names, suggestions_in_the_plan


def check_observed_at(*, observed_at) -> None:
    """A reading is of what was seen: never of the future (a clock a few minutes fast allowed for)."""
    if observed_at > timezone.now() + CLOCK_SKEW:
        raise DomainError("A reading cannot be in the future.", field="observed_at")


class Recorded(NamedTuple):
    """What recording a reading did: the reading, whether it took the area's current level past the alert
    level, and whether the lead was then told (not when no lead officer is named to tell)."""

    reading: TensionReading
    crossed: bool
    lead_told: bool


@transaction.atomic
def record_reading(
    *, incident, by, area, area_kind, level, indicators, source, confidence, notes, observed_at, request=None
) -> Recorded:
    """Record a reading; returns it, whether it took the area's current level (its latest reading by the
    time observed) past the alert level, which alerts the lead, and whether the lead was told."""
    if level not in scale()["levels"]:
        raise DomainError("Choose a level on the scale.", field="level")
    check_observed_at(observed_at=observed_at)
    area = area.strip()
    # One reading of the incident at a time (``record_event`` below locks the incident anyway): of two
    # readings at once, the second sees the first, so the lead is alerted once.
    incident_services.refuse_if_closed_meanwhile(incident)
    current = (
        TensionReading.objects.filter(incident=incident, area__in=same_area_names(incident, area))
        .order_by("-observed_at", "-id")
        .first()
    )
    reading = TensionReading.objects.create(
        incident=incident,
        area=area,
        area_kind=area_kind,
        level=level,
        indicators=list(indicators),
        source=source.strip(),
        confidence=confidence,
        notes=notes.strip(),
        observed_at=observed_at,
        recorded_by=by,
    )
    alert_at = scale()["alert_at"]
    if level >= alert_at:
        tallies.recount(incident)  # the regional figures count the readings at the alert level
    # A late report of an earlier time leaves the area's current level (its latest reading) as it was.
    becomes_current = current is None or observed_at >= current.observed_at
    crossed = becomes_current and level >= alert_at and (current is None or current.level < alert_at)
    text = f"Tension in {area}: {level} ({level_label(level)})"
    told = False
    if crossed:
        told = _alert_lead(reading)
        text += f", past the alert level of {alert_at}. " + (
            "The lead has been told." if told else "No lead officer is named to tell."
        )
    incident_services.log_change(incident=incident, by=by, text=text + ("" if crossed else "."))
    incident_services.record_event(
        incident=incident,
        event=incident_services.CompletingEvent.TENSION_READING_TAKEN,
        by=by,
        link=reverse("tension:overview", args=[incident.pk]),
    )
    incident_services.audit(
        incident=incident,
        by=by,
        action=AuditAction.CREATE,
        target=reading,
        request=request,
        level=level,
        crossed_alert_level=crossed,
    )
    return Recorded(reading, crossed, told)


def _alert_lead(reading) -> bool:
    """Alert the incident's lead officer, at any hour and by text too where they can get one; False if the
    incident has no lead to tell (none named, or theirs was switched off or has left the partnership)."""
    incident = reading.incident
    lead = answering_lead(incident)
    if lead is None:
        return False
    link = settings.SITE_URL + reverse("tension:overview", args=[incident.pk])
    # The text message repeats the subject: both say EXERCISE of a rehearsal's, as the email does.
    subject = incident.headed(f"tension in {reading.area} is now {reading.level}")
    alert = messaging.send(
        kind="tension_alert",
        subject=subject,
        body=render_to_string(
            "tension/email/alert.txt", {"reading": reading, "label": level_label(reading.level), "link": link}
        ),
        sms_text=f"{subject} ({level_label(reading.level)}): {link}",
        urgency=messaging.Urgency.ALERT,
        recipients=[messaging.recipient_for_user(lead.officer)],
        incident=incident,
    )
    return alert is not None


@transaction.atomic
def add_suggested_action(*, incident, by, index: int, request=None):
    """Put one of the scale's suggested actions into the response plan, while tension is at or past the alert
    level in at least one area and the plan does not hold it open already (both read under the incident's
    lock, which a new reading and another person adding it take too)."""
    suggestions = scale()["suggested_actions"]
    if not 0 <= index < len(suggestions):
        raise DomainError("That suggestion does not exist.")
    incident_services.refuse_if_closed_meanwhile(incident)
    areas = areas_at_alert_level(incident)
    if not areas:
        raise DomainError(
            f"Tension is not at the alert level in any area now (the latest reading of each is below "
            f"{scale()['alert_at']}), so the suggested actions no longer apply. "
            "Nothing was added to the plan."
        )
    suggestion = suggestions[index]
    if suggestion["title"] in suggestions_in_the_plan(incident):
        raise DomainError(
            f"“{suggestion['title']}” is already in the plan and not yet done. Nothing was added to the plan."
        )
    return incident_services.add_action(
        incident=incident,
        by=by,
        title=suggestion["title"],
        guidance=f"Suggested because community tension in {', '.join(areas)} was at or past the alert level.",
        owner_organisation=None,
        owner=None,
        due_at=timezone.now() + timedelta(hours=suggestion["hours"]),
        request=request,
    )
