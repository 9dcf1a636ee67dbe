"""Queueing a task after a change commits, when the change is already kept in the database for a sweep.

The change (a message's deliveries, a webhook's deliveries) is written in its own transaction, and a scheduled
sweep sends whatever is still due. Queueing the task straight after the commit only makes it go sooner. If the
queue is down (Redis unreachable or hung), the commit has happened and the person's work is kept: the request
must not fail, and the sweep sends it once the worker can run again.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# The queue of alerts' first sends and their escalation (settings.TASK_QUEUES), run by a worker of its own.
ALERTS_QUEUE = "alerts"


def enqueue_after_commit(task, *, swept_by: str, **kwargs) -> None:
    """Queue ``task(**kwargs)`` once the transaction commits; a queue that fails is logged, not raised."""

    def enqueue() -> None:
        try:
            task.enqueue(**kwargs)
        except Exception:  # noqa: BLE001 - whatever the queue raised, the committed work waits for the sweep
            logger.warning(
                "Could not queue %s %s; %s will pick it up from the database.",
                task.name,
                kwargs,
                swept_by,
                exc_info=True,
            )

    transaction.on_commit(enqueue)
