"""What alerts announce to other systems (through svtoolkit.core.events): that an alert was raised, and that
someone has it in hand. Like every payload, no free text: not what the reporter typed, nor who was alerted."""

from svtoolkit.core import events
from svtoolkit.incidents.events import incident_payload


def _alert_payload(alert) -> dict:
    return {
        "id": alert.pk,
        "raised_at": alert.raised_at.isoformat(),
        "reporter_organisation": str(alert.reporter_organisation) if alert.reporter_organisation else None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
    }


def publish_raised(*, alert) -> None:
    events.publish(
        events.ALERT_RAISED,
        partnership=alert.partnership,
        payload={"incident": incident_payload(alert.incident), "alert": _alert_payload(alert)},
    )


def publish_acknowledged(*, alert) -> None:
    events.publish(
        events.ALERT_ACKNOWLEDGED,
        partnership=alert.partnership,
        payload={"incident": incident_payload(alert.incident), "alert": _alert_payload(alert)},
    )
