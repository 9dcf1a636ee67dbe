"""The form page, written once: every simple page that asks a question and calls one service uses it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from svtoolkit.core.forms import RevisionChecked, errors_shown_on, show_edit_conflict


def _given(value, result):
    """``value`` itself, or what it says of the service's result when it is a function of that result."""
    return value(result) if callable(value) else value


def same_site(request, target):
    """``target`` when it is a page of this site that is safe to send the person on to, else ``None``: on a
    request over https it must be https too, so a ``next`` link cannot send a secure session to plain http."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def form_page(
    request, form, *, save, success, done, template, context=None, thing="record", on_conflict=None
):
    """Show ``form`` on ``template``; on a valid POST call ``save(form.cleaned_data)`` (one service call).

    A ``DomainError`` the service raises goes on the form (an ``EditConflict`` as the conflict message naming
    ``thing``: see ``errors_shown_on``) and the page is shown again. Otherwise the person is told ``success``
    and sent to ``done`` (post/redirect/get). ``success`` and ``done`` are a message and a URL, or functions
    of what ``save`` returned (for a page that goes to the thing it made). ``context`` is what else the
    template shows: a dict, or a function that returns it, called only when the page is shown (for what a
    successful POST need not read, or must not use up, like a secret shown once). After an edit conflict,
    ``on_conflict()`` (when given) returns what the page shows besides, such as the other person's version.
    """
    besides = {}
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form, thing=thing) as refused:
            result = save(form.cleaned_data)
            messages.success(request, _given(success, result))
            return redirect(_given(done, result))
        if refused.conflict and on_conflict:
            besides = on_conflict()
    elif request.method == "POST" and isinstance(form, RevisionChecked) and form.changed_since_read():
        show_edit_conflict(form, thing=thing, current_revision=form.initial["revision"])
        if on_conflict:
            besides = on_conflict()
    shown = context() if callable(context) else context or {}
    return render(request, template, {**shown, "form": form, **besides})


def address_page(request, form, *, template, context, shown):
    """The page of what ``form`` (an ``AddressForm``) asks for: ``context`` with what ``shown(cleaned_data)``
    reads. A value the form does not offer shows the GOV.UK error summary and the form again, with nothing
    read (status 400): the page says what is wrong rather than show something else as if it had been asked.
    """
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    return render(request, template, {**context, **shown(form.cleaned_data), "form": form})


def stored_again(record, then=None):
    """An ``on_conflict`` for a page that shows, after an edit conflict, the record as stored now: reads it
    again and gives it to the template as ``conflict`` (or ``then(record)``: what the page shows of it)."""

    def read_again():
        record.refresh_from_db()
        return then(record) if then else {"conflict": record}

    return read_again
