"""Reading tension: the trend of each area, as a chart and as a table of the same figures."""

import unicodedata
from dataclasses import dataclass

from svtoolkit.incidents.models import OPEN_ACTION_STATUSES
from svtoolkit.tension.models import TensionReading
from svtoolkit.tension.scale import level_label, scale


@dataclass
class AreaTrend:
    area: str
    readings: list[TensionReading]
    position: str = ""  # names the chart's data on the page; areas may share a slug, never a position

    @property
    def latest(self) -> TensionReading:
        return self.readings[-1]

    @property
    def above_alert(self) -> bool:
        return self.latest.level >= scale()["alert_at"]

    def chart_data(self) -> dict:
        """What the page's script draws; the table beside it shows the same figures."""
        return {
            "label": f"Tension in {self.area}",
            "labels": [reading.observed_at.isoformat() for reading in self.readings],
            "values": [reading.level for reading in self.readings],
            "alert": scale()["alert_at"],
        }


def area_key(area: str) -> str:
    """What makes two typed area names the same area: their letters whatever their case or accents' form, and
    their words whatever the spaces between. Compared in Python, not by the database (whose case-insensitive
    matching folds only unaccented letters on SQLite), so every database counts the same areas."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", area).casefold())
    return " ".join(folded.split())


def same_area_names(incident, area: str) -> list[str]:
    """The names the incident's readings give the area (area_key), as typed: one query, of names only."""
    key = area_key(area)
    names = incident.tension_readings.order_by().values_list("area", flat=True).distinct()
    return [name for name in names if area_key(name) == key]


def trends(incident) -> list[AreaTrend]:
    """One trend per area (area_key), named as first recorded, oldest reading first; the areas now at or past
    the alert level first, then by name."""
    by_area: dict[str, AreaTrend] = {}
    for reading in incident.tension_readings.select_related("recorded_by").order_by("observed_at", "id"):
        by_area.setdefault(area_key(reading.area), AreaTrend(reading.area, [])).readings.append(reading)
    ordered = sorted(by_area.values(), key=lambda trend: (not trend.above_alert, area_key(trend.area)))
    for position, trend in enumerate(ordered, start=1):
        trend.position = str(position)
    return ordered


def areas_at_alert_level(incident) -> list[str]:
    """The areas whose latest reading is at or past the alert level, as their trends name them."""
    return [trend.area for trend in trends(incident) if trend.above_alert]


def level_labels() -> dict[int, str]:
    return {level: level_label(level) for level in scale()["levels"]}


def suggestions_in_the_plan(incident) -> set[str]:
    """The titles of the scale's suggested actions the plan holds open now: one is not added twice while it is
    being done, and may be again once it is finished (tension rising again)."""
    titles = [suggestion["title"] for suggestion in scale()["suggested_actions"]]
    open_ones = incident.actions.filter(title__in=titles, status__in=OPEN_ACTION_STATUSES)
    return set(open_ones.values_list("title", flat=True))
