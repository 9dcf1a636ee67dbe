from django.db import models


class ScheduledRun(models.Model):
    """One due time ("slot") of a scheduled job, claimed by the worker that queued it.

    The unique (job, slot) pair is what makes a scheduled job run once however many workers are running:
    each worker tries to insert the row before it queues the task, and only the one whose insert succeeds
    queues it.
    """

    job = models.CharField(max_length=200)
    slot = models.DateTimeField(help_text="The time the job was due, from its schedule.")
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=200, help_text="The worker that queued it: host and process.")
    task_result_id = models.CharField(
        max_length=64, blank=True, help_text="The queued task, to follow it in the task results."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once_per_slot")]
        ordering = ["-slot", "job"]

    def __str__(self):
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M %Z}"
