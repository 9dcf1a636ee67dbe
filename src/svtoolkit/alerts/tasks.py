"""Background work for alerts, run by the task worker."""

from datetime import timedelta

from django_tasks import task

from svtoolkit.alerts import services
from svtoolkit.core.queueing import ALERTS_QUEUE
from svtoolkit.core.scheduling import scheduled


# Every minute, so a step is taken within a minute of its time; a dead run is waited for 5 minutes at most.
# In the alerts' own queue, so a worker busy with ordinary messages does not make the step late.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task(queue_name=ALERTS_QUEUE)
def escalate_alerts() -> int:
    """Alert the next people on the rota for alerts no one has acknowledged in time.

    Safe to run often and by several workers at once: each escalation step is claimed before it is sent.
    """
    return services.escalate_alerts()


# Every minute, in the alerts' queue, as escalation: a reminder late by more than a minute eats into the hour.
@scheduled(every=timedelta(minutes=1), previous_run_limit=timedelta(minutes=5))
@task(queue_name=ALERTS_QUEUE)
def remind_partners_not_told() -> int:
    """Remind whoever took an alert that no partner has been told three quarters of an hour on.

    Safe to run often and by several workers at once: each alert's reminder is claimed before it is sent.
    """
    return services.remind_partners_not_told()
