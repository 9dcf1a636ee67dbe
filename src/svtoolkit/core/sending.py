"""Sending exactly once: claim, send, record. The one design behind every kind of delivery svtoolkit makes
(email and text messages in ``messaging``, webhooks in ``webhooks``); each kind says only how it sends.

A worker first claims a delivery with one conditional UPDATE (queued and due, or claimed by a worker whose
claim has run out), committed before anything is sent, so two workers, a double click or two overlapping
sweeps can never both send it. The claim lasts well beyond the send's timeout, which bounds the whole send
(each provider cuts a send off then); a worker killed mid-send, or whose database went away, leaves a claim
that runs out, and the next sweep sends the delivery again. A failure that may pass is retried with growing
waits; one that cannot, or one that keeps failing, is marked failed and shown to coordinators, who can send it
again. What became of a send is written holding on through a database that drops for a while: the message has
gone, and losing that fact would send it again once the claim runs out.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection
from django.db.models import Case, F, Model, Q, Value, When
from django.utils import timezone

logger = logging.getLogger(__name__)

# The states every kind of delivery shares (each model's status choices hold them, and may add more).
QUEUED, SENDING, DELIVERED, FAILED = "queued", "sending", "delivered", "failed"
# The note on a delivery withdrawn after a try that may have reached its receiver all the same (the
# provider or endpoint did not answer in time, cannot be asked, or its worker stopped before recording it).
EARLIER_TRY_MAY_HAVE_GONE = "An earlier try may have been sent."


class TemporaryFailure(Exception):
    """The receiver could not take it now; a later attempt may succeed. ``code``: its answer, if any.
    ``refused``: this try certainly did not go (the receiver answered that it did not take it, or could not
    be connected to at all), unlike one whose answer was cut off, which it may have taken all the same."""

    def __init__(self, message: str, code: int | None = None, *, refused: bool = False):
        super().__init__(message)
        self.code = code
        self.refused = refused


class PermanentFailure(Exception):
    """The receiver refused it, or it may not be sent; trying again cannot help."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


def log_failed_for_good(model: type[Model], pk: int, reason: str) -> None:
    """For operators: the one place a failure no partnership's coordinators see is shown (a password reset
    has no partnership), whether the send failed or its provider reported later that it never arrived."""
    logger.error("%s %s failed for good: %s", model._meta.label, pk, reason)


def doubling_wait(attempts: int, *, first: int, longest: int) -> timedelta:
    """The wait before the next try: ``first`` seconds after the first, doubling with each try, up to
    ``longest``."""
    return timedelta(seconds=min(first * 2 ** (attempts - 1), longest))


def claim_seconds(timeout: float) -> float:
    """How long a claim lasts for a send that may take ``timeout`` seconds: that several times over, for what
    the timeout does not cover (finding the server's address, loading and recording the delivery), so a slow
    send is never doubled. The settings give RQ's job timeout room for one such claim."""
    return timeout * 4 + 30


def due_condition(now) -> Q:
    """Due on the delivery's own row. The claim must test no other table: PostgreSQL turns a join in an UPDATE
    into a subquery that it does not check again after waiting for another worker's lock, so two workers
    would both claim the delivery."""
    return Q(status=QUEUED, next_attempt_at__lte=now) | Q(status=SENDING, claimed_until__lt=now)


def queue_again(model: type[Model], pk: int, *, if_status: list[str], **also) -> bool:
    """Put a delivery back in the queue from its first try, due now, if its status is one of ``if_status``,
    writing ``also`` (a kind's own fields) in the same update; False if it was not (it is being sent, or was
    already put back)."""
    return bool(
        model.objects.filter(pk=pk, status__in=if_status).update(
            status=QUEUED,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_until=None,
            last_error="",
            **also,
        )
    )


@dataclass(frozen=True)
class Sender:
    """How one kind of delivery is sent. ``model`` has the fields ``status``, ``attempts``,
    ``next_attempt_at``, ``claimed_until`` and ``last_error``.

    - ``send(delivery)`` sends it and returns the fields to record (its ``status`` among them), or raises
      ``PermanentFailure`` or ``TemporaryFailure``, the receiver's answer. Any other exception (a fault, or
      the task's own timeout firing) may come after the receiver took it: the delivery is marked failed, not
      tried again by itself, and the exception goes on (the sweep stops).
    - ``timeout()``: the longest a whole send may take, in seconds: the provider cuts it off then, however
      many round trips it has (each connection, write and read is given only the time left), and the claim
      is derived from it. ``attempts_allowed()``: tries before it fails.
    - ``retry_wait(delivery)``: the wait after a temporary failure (``delivery.attempts`` tries so far).
    - ``loaded``: the relations ``send`` reads, fetched with the delivery.
    - ``first``: the deliveries a sweep takes before any other, however long the others have waited, in
      the order of the conditions (an alert's texts before its emails). It
      only orders the sweep, so unlike the claim it may look at related rows.
    - ``withdrawn(delivery)``: the fields to record, untried, for a claimed delivery that is no longer to be
      sent (its message was withdrawn while it waited for a retry, or its receiver was switched off), or
      None to send it; when an earlier try
      turns out to have gone, those fields say it was sent. Read at the claim, so a delivery claimed before
      its message was withdrawn is sent, once.
    - ``withdrawn_while_sending``: a condition on the delivery's own row saying it was withdrawn while a
      worker sent it (its receiver removed meanwhile), or None. A try that may pass is then not put back in
      the queue: it is recorded at once with ``withdrawn_after_try(delivery, error)``, under the same claim,
      so the delivery never shows as waiting for a retry it is never to have. The retry is written only
      where the condition does not hold, so a withdrawal committed first wins, and one made after finds the
      delivery waiting, and withdraws it itself.
    - ``failure_fields(error)``: more to record of a failure (the receiver's answer).
    - ``after_sending(delivery)``: called once a send, a withdrawn delivery or a failure for good is
      recorded (a message withdrawn while it was being sent is then sent no more, however its send ended).
    """

    model: type[Model]
    send: Callable[[Model], dict]
    timeout: Callable[[], float]
    attempts_allowed: Callable[[], int]
    retry_wait: Callable[[Model], timedelta]
    loaded: tuple[str, ...] = ()
    first: tuple[Q, ...] = ()
    withdrawn: Callable[[Model], dict | None] = lambda delivery: None
    withdrawn_while_sending: Q | None = None
    withdrawn_after_try: Callable[[Model, Exception], dict] = lambda delivery, error: {}
    failure_fields: Callable[[Exception], dict] = lambda error: {}
    after_sending: Callable[[Model], None] = lambda delivery: None

    def claim_length(self) -> timedelta:
        return timedelta(seconds=claim_seconds(self.timeout()))

    def deliver(self, delivery_id: int) -> bool:
        """Claim and send one delivery if it is due; returns whether this call sent it."""
        now = timezone.now()
        claimed = (
            self.model.objects.filter(pk=delivery_id)
            .filter(due_condition(now))
            .update(status=SENDING, claimed_until=now + self.claim_length(), attempts=F("attempts") + 1)
        )
        if not claimed:
            return False
        delivery = self.model.objects.select_related(*self.loaded).get(pk=delivery_id)
        withdrawn = self.withdrawn(delivery)
        if withdrawn is not None:  # not tried, so not counted
            self._record(delivery, attempts=delivery.attempts - 1, **withdrawn)
            self.after_sending(delivery)
            return False
        try:
            outcome = self.send(delivery)
        except PermanentFailure as error:
            self._record(delivery, status=FAILED, last_error=str(error), **self.failure_fields(error))
            self.after_sending(delivery)
            return False
        except TemporaryFailure as error:
            self._record_retry(delivery, error)
            return False
        except Exception as error:
            self._record(
                delivery,
                status=FAILED,
                last_error=f"The send stopped before its outcome was known ({type(error).__name__}): it may "
                "have gone. Send it again if it did not arrive.",
                **self.failure_fields(error),
            )
            self.after_sending(delivery)
            raise
        self._record(delivery, last_error="", **outcome)
        self.after_sending(delivery)
        return True

    def deliver_due(self, among: Q | None = None, *, limit: int | None = None) -> int:
        """Send every delivery ``among`` these that is due (new, retrying, or left by a worker that stopped),
        those of ``first`` first, then oldest due first; returns how many went. It claims none after
        ``SVTOOLKIT_SENDING_SECONDS``: the rest wait for the next sweep, and the task's own timeout (RQ's)
        never fires in the middle of a send."""
        due = self.model.objects.filter(among or Q(), due_condition(timezone.now()))
        order = ["next_attempt_at", "id"]
        if self.first:
            ranks = [When(condition, then=Value(rank)) for rank, condition in enumerate(self.first)]
            order.insert(0, Case(*ranks, default=Value(len(self.first))))
        due = due.order_by(*order)
        stop_claiming = time.monotonic() + settings.SVTOOLKIT_SENDING_SECONDS
        sent = 0
        for pk in list(due.values_list("pk", flat=True)[:limit]):
            if time.monotonic() > stop_claiming:
                break
            sent += self.deliver(pk)
        return sent

    def _record_retry(self, delivery, error) -> None:
        failure = self.failure_fields(error)
        if delivery.attempts >= self.attempts_allowed():
            self._record(
                delivery,
                status=FAILED,
                last_error=f"Gave up after {delivery.attempts} tries: {error}",
                **failure,
            )
            self.after_sending(delivery)
            return
        retried = self._record(
            delivery,
            status=QUEUED,
            last_error=str(error),
            next_attempt_at=timezone.now() + self.retry_wait(delivery),
            unless=self.withdrawn_while_sending,
            **failure,
        )
        if not retried and self.withdrawn_while_sending is not None:
            withdrawn = self._record(delivery, **self.withdrawn_after_try(delivery, error), **failure)
            if withdrawn:
                self.after_sending(delivery)

    def _record(self, delivery, *, unless: Q | None = None, **outcome) -> bool:
        """Write what became of a send, only while the claim is still this worker's (same attempt, still
        sending) and the delivery's row does not meet ``unless``, holding on through a database that drops
        for up to half the claim; returns whether it was written."""
        deadline = time.monotonic() + self.claim_length().total_seconds() / 2
        wait = 0.5
        while True:
            try:
                ours = self.model.objects.filter(pk=delivery.pk, status=SENDING, attempts=delivery.attempts)
                if unless is not None:
                    ours = ours.exclude(unless)
                recorded = ours.update(claimed_until=None, **outcome)
                if recorded and outcome.get("status") == FAILED:
                    log_failed_for_good(self.model, delivery.pk, outcome.get("last_error", ""))
                return bool(recorded)
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                logger.warning(
                    "The database is unreachable; recording %s %s again shortly",
                    self.model.__name__,
                    delivery.pk,
                )
                connection.close()
                time.sleep(wait)
                wait = min(wait * 2, 5)
                close_old_connections()
