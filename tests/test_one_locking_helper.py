"""One way to change a shared record safely: only ``core.locking`` compares a record's revision with the one
an edit started from. A service never writes its own compare-and-set (``.filter(..., revision=...)`` then
``.update(...)``) nor compares revisions itself to raise ``EditConflict``; it calls ``save_if_unchanged`` or
``update_if_unchanged``, which refuse with the conflict message it gives them. Moving a revision on without a
compare (``.update(revision=F("revision") + 1)``, or ``core.locking.update_and_move_revision`` on rows not
narrowed to one revision) is not an edit check and is not looked for here.
See docs/decisions/0001-one-error-family-and-compare-and-set.md."""

import ast
from pathlib import Path

import svtoolkit

SRC = Path(svtoolkit.__file__).parent
THE_HELPER = SRC / "core" / "locking.py"
ORDERINGS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def _named_revision(node) -> bool:
    """``revision``, ``stored.revision``, ``expected_revision``: a value that is a record's revision."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name == "revision" or name.endswith("_revision")


def _filters_on_revision(node) -> bool:
    """``<queryset>.filter(..., revision=...)`` (or ``revision__...``) anywhere in ``node``."""
    return any(
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in ("filter", "get")
        and any(
            keyword.arg and (keyword.arg == "revision" or keyword.arg.startswith("revision__"))
            for keyword in call.keywords
        )
        for call in ast.walk(node)
    )


def _compares_revisions(node) -> bool:
    """A comparison (``==``, ``!=``, ``<``...) of a revision with something other than None."""
    for compare in ast.walk(node):
        if not isinstance(compare, ast.Compare):
            continue
        sides = [compare.left, *compare.comparators]
        for op, left, right in zip(compare.ops, sides[:-1], sides[1:], strict=True):
            if not isinstance(op, ORDERINGS) or any(
                isinstance(side, ast.Constant) and side.value is None for side in (left, right)
            ):
                continue
            if _named_revision(left) or _named_revision(right):
                return True
    return False


def _raises_edit_conflict(statements) -> bool:
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = raised.attr if isinstance(raised, ast.Attribute) else getattr(raised, "id", "")
                if name == "EditConflict":
                    return True
    return False


def _called(node) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _receiver_root(node):
    """The name a chain of calls starts from: ``rows`` in ``rows.select_for_update().update(...)``."""
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def hand_written_compare_and_set(tree) -> list[int]:
    """The lines of ``tree`` that compare a revision and set or refuse by hand."""
    found = set()
    # Querysets kept in a name first: rows = X.objects.filter(pk=pk, revision=n); rows.update(...)
    narrowed = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _filters_on_revision(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            rows = [node.func.value]
        elif isinstance(node, ast.Call) and _called(node) == "update_and_move_revision":
            rows = [*node.args, *(keyword.value for keyword in node.keywords)]
        else:
            rows = []
        if any(_filters_on_revision(row) or _receiver_root(row) in narrowed for row in rows):
            found.add(node.lineno)
        if isinstance(node, ast.If):
            decides = _compares_revisions(node.test) or _filters_on_revision(node.test)
            if decides and (_raises_edit_conflict(node.body) or _raises_edit_conflict(node.orelse)):
                found.add(node.lineno)
    return sorted(found)


def test_the_scan_finds_the_hand_written_compare_and_set_it_is_meant_to():
    written_by_hand = [
        "n = Action.objects.filter(pk=pk, revision=expected).update(revision=F('revision') + 1, note=note)\n",
        "rows = Entry.objects.filter(pk=pk, revision=expected_revision)\nif not rows.update(name=name):\n"
        "    raise EditConflict('Changed meanwhile.')\n",
        "if stored.revision != expected_revision:\n    raise EditConflict('Changed meanwhile.')\n",
        "if expected_revision == stored.revision:\n    stored.save()\nelse:\n"
        "    raise EditConflict('Changed meanwhile.', current_revision=stored.revision)\n",
        "if not Entry.objects.filter(pk=pk, revision=expected).exists():\n    raise EditConflict('Gone.')\n",
        # core.locking's unconditional move of the revision, given rows narrowed to one revision.
        "if not update_and_move_revision(Entry.objects.filter(pk=pk, revision=expected), name=name):\n"
        "    raise EditConflict('Changed meanwhile.')\n",
    ]
    for source in written_by_hand:
        assert hand_written_compare_and_set(ast.parse(source)), source
    not_a_compare_and_set = [
        # A revision moved on unconditionally, as every other edit of the record will see.
        "Incident.objects.filter(pk=incident.pk).update(status=status, revision=F('revision') + 1)\n",
        "incident.revision = F('revision') + 1\nincident.save(update_fields=['revision'])\n",
        "update_and_move_revision(incident.actions.filter(status='waiting'), owner=None)\n",
        "update_if_unchanged(stored, expected_revision=revision, conflict_message='Changed.', **fields)\n",
        "save_if_unchanged(Message.objects.filter(status='draft'), pk, expected_revision=revision)\n",
        # A record gone meanwhile, not a revision compared.
        "if existing is None:\n    if expected_revision is not None:\n        raise EditConflict('Gone.')\n",
        "try:\n    save_if_unchanged(Rating, pk, expected_revision=r)\nexcept EditConflict:\n    raise\n",
    ]
    for source in not_a_compare_and_set:
        assert not hand_written_compare_and_set(ast.parse(source)), source


def test_only_core_locking_compares_revisions():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == THE_HELPER or "migrations" in path.parts:
            continue
        for line in hand_written_compare_and_set(ast.parse(path.read_text(), filename=str(path))):
            found.append(f"{path.relative_to(SRC)}:{line}")
    assert not found, (
        "Compare-and-set written by hand (call core.locking.save_if_unchanged or update_if_unchanged, with "
        "the conflict_message the person should read):\n  " + "\n  ".join(found)
    )
