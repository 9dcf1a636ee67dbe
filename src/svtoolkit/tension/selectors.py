"""Reading tension: the trend of each area, as a chart and as a table of the same figures."""

from dataclasses import dataclass

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


def trends(incident) -> list[AreaTrend]:
    """One trend per area, oldest reading first, areas with the most recent alert first."""
    by_area: dict[str, AreaTrend] = {}
    for reading in incident.tension_readings.select_related("recorded_by").order_by("observed_at", "id"):
        by_area.setdefault(reading.area.lower(), AreaTrend(reading.area, [])).readings.append(reading)
    ordered = sorted(by_area.values(), key=lambda trend: (not trend.above_alert, trend.area.lower()))
    for position, trend in enumerate(ordered, start=1):
        trend.position = str(position)
    return ordered


def level_labels() -> dict[int, str]:
    return {level: level_label(level) for level in scale()["levels"]}
