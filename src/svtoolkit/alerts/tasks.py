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
