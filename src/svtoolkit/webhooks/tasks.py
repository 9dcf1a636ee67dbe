"""The task worker's side of outbound webhooks."""

from datetime import timedelta

from django_tasks import task

from svtoolkit.core.scheduling import scheduled
from svtoolkit.webhooks import delivery


@task()
def deliver_webhook_event(*, event_id: int) -> int:
    """Send a new event to its endpoints at once; returns how many took it."""
    return delivery.deliver_event(event_id)


# Every minute; a sweep that died with its worker is waited for five minutes at most.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task()
def deliver_due_webhooks() -> int:
    """The sweep: send what is due again (retries, a worker that stopped mid-send)."""
    return delivery.deliver_due()
