"""Form helpers shared by every app."""


def show_edit_conflict(form, *, thing: str, current_revision: int) -> None:
    """Tell the person their save lost a race, keep what they typed, and let their next save win knowingly.

    The form's revision moves to the stored one, so saving again (after checking both versions) goes through.
    """
    form.add_error(
        None,
        f"Someone else changed this {thing} while you were editing it. What you entered is below and was not "
        "saved; their version is shown underneath. Check both, then save again.",
    )
    form.data = form.data.copy()
    form.data["revision"] = current_revision


def id_from(value) -> int:
    """An object id from a query string or hidden field; anything else is a page not found, not an error."""
    from django.http import Http404

    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such object") from None
