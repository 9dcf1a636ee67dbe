"""The task worker's side of the delivery layer."""

from django_tasks import task

from svtoolkit.messaging import delivery


@task()
def deliver_message(*, notification_id: int) -> int:
    """Send a new message's deliveries at once; returns how many went."""
    return delivery.deliver_message(notification_id)


@task()
def deliver_due_messages() -> int:
    """The sweep: send what is due again (retries, quiet hours over, a worker that stopped mid-send), and ask
    GOV.UK Notify what became of what it took."""
    sent = delivery.deliver_due()
    delivery.check_notify_statuses()
    return sent
