"""Background work for alerts, run by the task worker."""

from django_tasks import task

from svtoolkit.alerts import services


@task()
def escalate_alerts() -> int:
    """Every minute: alert the next people on the rota for alerts no one has acknowledged in time.

    Safe to run often and by several workers at once: each escalation step is claimed before it is sent.
    """
    return services.escalate_alerts()
