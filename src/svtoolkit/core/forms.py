"""Form helpers shared by every app, and the one place a domain error becomes what a person sees."""

from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages

from svtoolkit.core.errors import DomainError, EditConflict


def show_edit_conflict(form, *, thing: str, current_revision: int | None) -> None:
    """Tell the person their save lost a race, keep what they typed, and let their next save win knowingly.

    The form's revision moves to the stored one, so saving again (after checking both versions) goes through.
    """
    form.add_error(
        None,
        f"Someone else changed this {thing} while you were editing it. What you entered is below and was not "
        "saved; their version is shown underneath. Check both, then save again.",
    )
    form.data = form.data.copy()
    form.data["revision"] = "" if current_revision is None else current_revision


def add_domain_error(form, error: DomainError) -> None:
    """Show ``error`` on its field when the form has that field, else above the form (a non-field error)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@dataclass
class Refusal:
    """What ``errors_shown_on`` caught, for the view to read after the ``with`` block (both None: nothing)."""

    error: DomainError | None = None

    @property
    def conflict(self) -> EditConflict | None:
        return self.error if isinstance(self.error, EditConflict) else None


@contextmanager
def errors_shown_on(form, *, thing: str = "record"):
    """Run a service call and its success path; a DomainError raised inside ends the block and is shown on
    ``form`` (see ``add_domain_error``), an EditConflict as the conflict message (``show_edit_conflict``,
    with ``thing`` naming the record). Yields a ``Refusal`` so the view can show "their version" afterwards::

        with errors_shown_on(form, thing="action") as refused:
            services.update_action(...)
            return redirect(...)
        if refused.conflict:
            planned.refresh_from_db()
    """
    refused = Refusal()
    try:
        yield refused
    except EditConflict as conflict:
        refused.error = conflict
        show_edit_conflict(form, thing=thing, current_revision=conflict.current_revision)
    except DomainError as error:
        refused.error = error
        add_domain_error(form, error)


@contextmanager
def errors_as_message(request):
    """For a button with no form (a plain POST that redirects): a DomainError raised inside ends the block
    and becomes an error message on the next page. Yields a ``Refusal`` like ``errors_shown_on``."""
    refused = Refusal()
    try:
        yield refused
    except DomainError as error:
        refused.error = error
        messages.error(request, error.message)


def id_from(value) -> int:
    """An object id from a query string or hidden field; anything else is a page not found, not an error."""
    from django.http import Http404

    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such object") from None
