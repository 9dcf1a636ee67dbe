"""The one order in which the changes to an incident lock its rows, so that two changes at once never each
hold a row the other waits for (PostgreSQL ends one of them with "deadlock detected": a 500, and the meeting's
outcome or the school's record typed in is lost):

1. the incident's own row (``lock_incident``, ``locked_incidents``);
2. the records of its people affected (a correction of one, or the need-to-know lists changed across them);
3. its tally row (``tallies.recount``, which locks the incident's row first itself);
4. its plan actions (several at once in order of key).

So a service that changes actions already in the plan, or a person affected's record and then more (a
correction redraws the plan, which recounts), locks the incident first, before any of them, and a service that
recounts and later changes actions (a meeting's outcome adds an action, which recounts, then completes the
meeting's action) holds the incident from its first recount. The exceptions lock one row alone and nothing
of the incident after it, so the people working a major incident do not queue on its row: an open action
moved between open statuses or given a note (``update_action`` when no count moves and the owner stays), and
one record's own need-to-know list changed (``change_person_need_to_know``). A new owner is checked under the
incident's lock, which a partner stopping taking part takes too.
"""

from svtoolkit.incidents.models import Incident


def locked_incidents():
    """Incidents to lock while a service changes an incident's own columns (never its key): ``FOR NO KEY
    UPDATE``. Every row written that refers to the incident (a timeline entry, a decision, an action) takes a
    key-share lock on the incident's row, which a plain ``FOR UPDATE`` blocks: the hundreds of people working
    a major incident would wait on each status change, and an action update could deadlock with an event
    completing that action."""
    return Incident.objects.select_for_update(no_key=True)


def lock_incident(incident) -> None:
    """Lock ``incident`` (or the incident of that key) until the transaction ends: the first lock of any
    change to it that locks its tally row or actions already in its plan."""
    lock_incidents([getattr(incident, "pk", incident)])


def lock_incidents(keys) -> None:
    """Lock the incidents of these keys until the transaction ends, in order of key (so two changes locking
    several at once take turns): the first lock of a change to actions of several incidents (the overdue
    reminders)."""
    list(locked_incidents().filter(pk__in=keys).order_by("pk").values_list("pk", flat=True))
