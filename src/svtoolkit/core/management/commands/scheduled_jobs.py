from django.core.management.base import BaseCommand
from django.utils import timezone

from svtoolkit.core.scheduling import RUN_ATTEMPTS, last_run, run_status, scheduled_jobs


class Command(BaseCommand):
    help = "List the scheduled jobs: when each is due, its last run and how that went, and when it runs next."

    def handle(self, *args, **options):
        now = timezone.now()
        for job in scheduled_jobs():
            run = last_run(job)
            following = job.next_slot(now)
            self.stdout.write(f"{job.name}  ({job.when})")
            if run is None:
                self.stdout.write("  last run:  none yet")
            else:
                status = run_status(job, run)
                outcome = status.label.lower() if status else "(result not kept)"
                if run.attempts > 1:
                    outcome += f", attempt {run.attempts} of {RUN_ATTEMPTS}"
                self.stdout.write(
                    f"  last run:  due {timezone.localtime(run.slot):%d %b %Y %H:%M}, "
                    f"queued by {run.claimed_by} at {timezone.localtime(run.claimed_at):%H:%M:%S}, "
                    f"task {run.task_result_id or '-'} {outcome}"
                )
            if following is not None:
                self.stdout.write(f"  next due:  {timezone.localtime(following):%d %b %Y %H:%M}")
