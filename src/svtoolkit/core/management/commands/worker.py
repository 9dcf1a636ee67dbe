import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks import DEFAULT_TASK_QUEUE_NAME

from svtoolkit.core.queueing import ALERTS_QUEUE
from svtoolkit.core.scheduling import Scheduler

logger = logging.getLogger(__name__)

# The worker each task backend needs for a queue, run as its own management command (nothing of theirs is
# copied here).
WORKERS = {
    "django_tasks_db.DatabaseBackend": lambda queue: ["db_worker", "--queue-name", queue],
    "django_tasks_rq.RQBackend": lambda queue: ["rqworker", queue, "--job-class", "django_tasks_rq.Job"],
}


# Longer than RQ's second, within which it takes a second stop signal for the first one again.
SIGNALS_APART = 1.2


class AlertsWorker:
    """The alerts queue's worker, in a child process: whatever the default queue's worker is stuck on (a
    sweep of ordinary messages waiting on a hung mail server), an alert and its escalation are not held up.

    With ``own_process_group``, Ctrl-C in a terminal reaches only this command, which then stops the child
    with one signal, letting it finish the alert it may be sending; a second Ctrl-C stops it at once
    (``stop_at_once``). Under the autoreloader the child stays in the worker's group: the reloader ends the
    process that started it with SIGKILL, and `make dev` stops the whole group. If the child stops on its own,
    this command stops too, with an error, so that no worker runs without its alerts."""

    def __init__(self, command: list[str], *, verbosity: int, own_process_group: bool):
        self._command = [sys.executable, "-m", "svtoolkit.cli", *command, "--verbosity", str(verbosity)]
        self._own_process_group = own_process_group
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._stopped_at_once = threading.Event()

    def start(self) -> None:
        self._process = subprocess.Popen(self._command, process_group=0 if self._own_process_group else None)
        threading.Thread(target=self._stop_everything_if_it_stops, daemon=True).start()

    def _stop_everything_if_it_stops(self) -> None:
        returncode = self._process.wait()
        if not self._stopping.is_set():
            logger.error("The alerts worker stopped (exit code %s); stopping the task worker", returncode)
            os.kill(os.getpid(), signal.SIGTERM)

    def stop(self) -> None:
        """Stop the child once it has finished what it is sending; CommandError if it had stopped already.
        Whatever ends this command meanwhile (a stopped worker's signal handler raising) stops it at once:
        it is never left running on its own."""
        self._stopping.set()
        returncode = self._process.poll()
        if returncode is not None:
            if self._stopped_at_once.is_set():
                return
            raise CommandError(f"The alerts worker stopped on its own (exit code {returncode}).")
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait()
        except BaseException:
            self.stop_at_once()
            raise

    def stop_at_once(self) -> None:
        """Stop the child without waiting for its send, by its worker's own forced stop, which ends the job it
        is running (RQ's work-horse too): a second stop signal. RQ takes one that comes within a second of
        the first for the same signal, so it is sent again until the child has stopped. A send cut short
        stays claimed: the next sweep sends it again once the claim runs out."""
        self._stopping.set()
        self._stopped_at_once.set()
        if self._process.poll() is None:
            logger.warning("A second stop signal: stopping the alerts worker at once")
        while self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=SIGNALS_APART)


class SecondStopSignal:
    """Calls ``then`` on the second SIGINT or SIGTERM this process gets, whichever handler the running worker
    has installed for them (each backend's worker installs its own, and a forced stop of its own ends only
    itself). ``signal.set_wakeup_fd`` has the interpreter write the number of each signal it handles to a
    socket, which a thread reads; the handlers themselves are left alone. Start it from the main thread."""

    def __init__(self, then: Callable[[], None]):
        self._then = then
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)

    def start(self) -> None:
        signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        threading.Thread(target=self._wait_for_the_second, daemon=True).start()

    def _wait_for_the_second(self) -> None:
        received = 0
        while received < 2:
            received += sum(number in {signal.SIGINT, signal.SIGTERM} for number in self._read.recv(64))
        self._then()


class Command(BaseCommand):
    help = (
        "Run the background task workers (one for the default queue, one for alerts) and, beside them, the "
        "scheduler that queues the scheduled jobs (reminders, the retention job) once however many workers "
        "run. Ctrl-C stops them all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Run queued tasks only; queue no scheduled jobs from this worker.",
        )

    def handle(self, *, scheduler: bool, verbosity: int, **options):
        backend = settings.TASKS["default"]["BACKEND"]
        if backend not in WORKERS:
            raise CommandError(f"The task backend {backend} keeps no queue for a worker to run.")
        worker, alerts_worker = WORKERS[backend](DEFAULT_TASK_QUEUE_NAME), WORKERS[backend](ALERTS_QUEUE)
        reloading = False
        if worker[0] == "db_worker":
            # The database worker restarts on code changes when DEBUG is on (`make dev`): it then runs again
            # in a child process, which does the work, while this one only watches the files. The alerts
            # worker is started by that child, so it restarts with it.
            reloading = settings.DEBUG
            worker.append("--reload" if reloading else "--no-reload")
            alerts_worker.append("--no-reload")
        runs_tasks_here = not reloading or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        job_scheduler = Scheduler() if scheduler and runs_tasks_here else None
        alerts = (
            AlertsWorker(alerts_worker, verbosity=verbosity, own_process_group=not reloading)
            if runs_tasks_here
            else None
        )
        if job_scheduler is not None:
            job_scheduler.start()
        if alerts is not None:
            alerts.start()
            SecondStopSignal(then=alerts.stop_at_once).start()
        try:
            call_command(*worker, verbosity=verbosity)
        finally:
            if job_scheduler is not None:
                job_scheduler.shutdown()
            if alerts is not None:
                alerts.stop()
