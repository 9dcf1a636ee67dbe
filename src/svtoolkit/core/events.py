"""Events other systems may hear of, and the one call that announces them.

An app that makes something happen (incidents, alerts) calls ``publish`` inside the transaction of the change;
an app that tells the outside world (webhooks) subscribes in its AppConfig.ready. Core knows neither, so the
apps that announce never import the apps that listen, and the layering holds.

A payload names the incident (reference, types, categories, status, link) and never the people affected nor
anything typed as free text: it leaves svtoolkit for systems outside the partnership's control.
"""

from collections.abc import Callable

ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
INCIDENT_CATEGORISED = "incident.categorised"
ACTION_ESCALATED = "action.escalated"

# Every event, with what it means to a coordinator choosing which ones an endpoint hears of.
EVENT_TYPES = {
    ALERT_RAISED: "An incident alert was raised",
    ALERT_ACKNOWLEDGED: "Someone acknowledged an incident alert",
    INCIDENT_CATEGORISED: "An incident was categorised (or categorised again)",
    ACTION_ESCALATED: "An overdue action was escalated",
}

Subscriber = Callable[..., None]

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Call ``subscriber(event_type=..., partnership=..., payload=...)`` for every event published."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def publish(event_type: str, *, partnership, payload: dict) -> None:
    """Announce an event of ``partnership``; call it inside the transaction of the change it reports, so the
    event is kept if, and only if, the change is."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    for subscriber in _subscribers:
        subscriber(event_type=event_type, partnership=partnership, payload=payload)
