"""The task worker's side of outbound webhooks."""

from django_tasks import task

from svtoolkit.webhooks import delivery


@task()
def deliver_webhook_event(*, event_id: int) -> int:
    """Send a new event to its endpoints at once; returns how many took it."""
    return delivery.deliver_event(event_id)


@task()
def deliver_due_webhooks() -> int:
    """The sweep (run it every minute): send what is due again (retries, a worker that stopped mid-send)."""
    return delivery.deliver_due()
