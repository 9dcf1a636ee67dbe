"""One way to change a shared record safely: compare and set on its ``revision``.

Every model edited through a form has ``revision = PositiveIntegerField(default=1)`` and every edit form
carries the revision it started from. ``save_if_unchanged`` writes the changes only if the stored revision is
still that one, and moves it on by one; otherwise nothing is written and ``EditConflict`` is raised, so nobody
silently overwrites a colleague. Records changed together from one page (the plan's bulk update) are locked
by the service and compared all at once (``refuse_if_any_changed``): one changed meanwhile refuses them all.
A change that compares nothing (the app hands actions to a new lead, say) goes through
``update_and_move_revision``, so an edit form open on those rows meanwhile meets the conflict too. A record
edited on several pages that must not refuse each other (a partnership's single sign-on, two-factor and
retention settings) has a revision for each, named by ``revision_field``.
"""

from collections.abc import Callable, Iterable

from django.db.models import F, Model, QuerySet

from svtoolkit.core.errors import EditConflict

DEFAULT_CONFLICT_MESSAGE = "Someone else changed this while you were editing it."


def hold_row(record: Model) -> None:
    """Hold ``record``'s row until the transaction ends, so what is decided across it (a partnership's
    numbering, who is invited, a playbook's draft, an organisation's contacts) is decided by one transaction
    at a time. ``FOR NO KEY UPDATE``: every row written that refers to it (an audit entry, an incident) takes
    a key-share lock on its row, which a plain ``FOR UPDATE`` would make wait for the whole transaction."""
    type(record).objects.select_for_update(no_key=True).only("pk").get(pk=record.pk)


def next_revision(revision_field: str = "revision"):
    """What a record's revision becomes when it changes: the one stored now plus one, worked out by the
    database as it writes, never from a revision read earlier."""
    return F(revision_field) + 1


def update_and_move_revision(queryset: QuerySet, *, revision_field: str = "revision", **changes) -> int:
    """``UPDATE ... SET revision = revision + 1, <changes>`` on every row of ``queryset``, comparing nothing:
    for a change that is not an edit of what someone was shown (the app hands waiting actions to a partner, an
    entry deactivated), or whose rows were compared under a lock already (``refuse_if_any_changed``), but that
    an edit form open on one of the rows must not overwrite. That form's save then finds the revision moved on
    and shows the conflict. Returns how many rows changed."""
    return queryset.update(**{revision_field: next_revision(revision_field)}, **changes)


def save_if_unchanged(
    model_or_queryset: type[Model] | QuerySet,
    pk,
    *,
    expected_revision: int | None,
    conflict_message: str = DEFAULT_CONFLICT_MESSAGE,
    revision_field: str = "revision",
    **changes,
) -> None:
    """``UPDATE ... SET revision = revision + 1, <changes> WHERE pk = <pk> AND revision = <expected>``.

    ``model_or_queryset`` may narrow the rows further (``Message.objects.filter(status="draft")``): a row
    outside it counts as changed. Raises ``EditConflict(conflict_message, current_revision=...)`` when no row
    was updated. The caller refreshes its instance if it needs the stored values.
    """
    queryset = (
        model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset._default_manager
    )
    unchanged = queryset.filter(pk=pk, **{revision_field: expected_revision})
    if not update_and_move_revision(unchanged, revision_field=revision_field, **changes):
        stored = queryset.model._default_manager.filter(pk=pk).values_list(revision_field, flat=True)
        raise EditConflict(conflict_message, current_revision=stored.first())


def refuse_if_changed(
    record: Model,
    *,
    expected_revision: int | None,
    conflict_message: str = DEFAULT_CONFLICT_MESSAGE,
    revision_field: str = "revision",
) -> None:
    """``EditConflict`` at once if ``record``, as read now, has moved on from ``expected_revision``: for a
    service that judges what an edit sends back against the record as it is now (an action's owner), so the
    person is told of the change since rather than that what they sent, as they were shown it, is wrong. The
    write still compares (``save_if_unchanged``), for a change made between the two."""
    stored = getattr(record, revision_field)
    if stored != expected_revision:
        raise EditConflict(conflict_message, current_revision=stored)


def refuse_if_any_changed(
    records: Iterable[Model],
    *,
    expected_revisions: dict,
    conflict_message: Callable[[list], str],
    revision_field: str = "revision",
) -> None:
    """The compare of ``save_if_unchanged`` for records a service has locked (``select_for_update``) and goes
    on to change together, all or none: each must still be at the revision ``expected_revisions`` gives for
    its pk (one not given counts as changed). Otherwise ``EditConflict(conflict_message(changed))``, with
    ``changed`` the records that moved on, and the service writes nothing."""
    changed = [
        record for record in records if getattr(record, revision_field) != expected_revisions.get(record.pk)
    ]
    if changed:
        raise EditConflict(conflict_message(changed))


def update_if_unchanged(
    instance: Model,
    *,
    expected_revision: int | None,
    conflict_message: str = DEFAULT_CONFLICT_MESSAGE,
    revision_field: str = "revision",
    **changes,
) -> None:
    """``save_if_unchanged`` on ``instance``'s own row, then ``instance`` refreshed with what is stored now
    (its new revision, and whatever the database made of the changes): the way a service edits the record
    it goes on to describe."""
    save_if_unchanged(
        type(instance),
        instance.pk,
        expected_revision=expected_revision,
        conflict_message=conflict_message,
        revision_field=revision_field,
        **changes,
    )
    instance.refresh_from_db()
