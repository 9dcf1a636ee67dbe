"""The task worker's side of the delivery layer."""

from datetime import timedelta

from django_tasks import task

from svtoolkit.core.queueing import ALERTS_QUEUE
from svtoolkit.core.scheduling import scheduled
from svtoolkit.messaging import delivery


@task()
def deliver_notifications(*, notification_ids: list[int]) -> int:
    """Send new messages' deliveries at once; returns how many went."""
    return delivery.deliver_notifications(notification_ids)


# Every minute, so a retry or a message held for quiet hours goes within a minute of its time; a sweep that
# died with its worker is waited for five minutes at most (its claims run out by then too).
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task()
def deliver_due_messages() -> int:
    """The sweep: send what is due again (retries, quiet hours over, a worker that stopped mid-send) but
    alerts, and ask GOV.UK Notify what became of what it took of them."""
    sent = delivery.deliver_due()
    delivery.check_notify_statuses()
    return sent


# The same for alerts, in their own queue: a sweep stuck on a backlog of ordinary messages, or on a hung mail
# server, cannot make an alert's retry late.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task(queue_name=ALERTS_QUEUE)
def deliver_due_alert_messages() -> int:
    """The alerts' sweep: send alerts' texts and emails that are due again (retries, a worker that stopped
    mid-send), and ask GOV.UK Notify what became of those it took."""
    sent = delivery.deliver_due_alerts()
    delivery.check_alert_notify_statuses()
    return sent
