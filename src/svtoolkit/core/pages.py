"""The form page, written once: every simple page that asks a question and calls one service uses it."""

from django.contrib import messages
from django.shortcuts import redirect, render

from svtoolkit.core.forms import errors_shown_on


def _given(value, result):
    """``value`` itself, or what it says of the service's result when it is a function of that result."""
    return value(result) if callable(value) else value


def form_page(request, form, *, save, success, done, template, context=None, thing="record"):
    """Show ``form`` on ``template``; on a valid POST call ``save(form.cleaned_data)`` (one service call).

    A ``DomainError`` the service raises goes on the form (an ``EditConflict`` as the conflict message naming
    ``thing``: see ``errors_shown_on``) and the page is shown again. Otherwise the person is told ``success``
    and sent to ``done`` (post/redirect/get). ``success`` and ``done`` are a message and a URL, or functions
    of what ``save`` returned (for a page that goes to the thing it made).
    """
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form, thing=thing):
            result = save(form.cleaned_data)
            messages.success(request, _given(success, result))
            return redirect(_given(done, result))
    return render(request, template, {**(context or {}), "form": form})
