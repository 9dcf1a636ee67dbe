"""Giving back what a person typed into a form that could not be taken, so that nothing they typed is lost.

A form is refused by the cross-site request forgery check when its token no longer matches: the person signed
out and in again in another tab, or their browser lost its cookie. A form sent after the session ended (30
minutes without a request) finds nobody signed in. Either way the page says nothing was saved, shows what was
typed and offers to send it again with a fresh token, but only for a form sent from svtoolkit's own pages (a
forged form from another site is refused with nothing shown), and never a password or other secret.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.middleware.csrf import REASON_CSRF_TOKEN_MISSING, REASON_NO_CSRF_COOKIE
from django.shortcuts import render

# Never echoed back into a page: passwords, one-time codes, secrets and the old token itself.
_SECRET_NAME = re.compile(r"password|passwd|secret|token|otp|^code$|^csrfmiddlewaretoken$", re.IGNORECASE)
# Fields that a form carries for its own working, sent again but not shown as something the person typed.
_PLUMBING_NAME = re.compile(r"^(revision|next|submission_key|step)$|_revision$|^form-", re.IGNORECASE)


@dataclass(frozen=True)
class TypedValue:
    name: str
    label: str
    values: list[str]
    shown: bool


@dataclass(frozen=True)
class Returned:
    """What the failure page gives back: the values, and whether a secret or files were left out."""

    values: list[TypedValue]
    secret_left_out: bool
    files_left_out: bool


def only_the_token_was_stale(reason: str) -> bool:
    """The security check refused the form for its token alone (not for coming from another site)."""
    return reason in {REASON_NO_CSRF_COOKIE, REASON_CSRF_TOKEN_MISSING} or reason.startswith("CSRF token")


def sent_from_this_site(request) -> bool:
    """The browser said the form came from one of our own pages, so giving its values back cannot help another
    site make someone send a form they did not write."""
    source = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER") or ""
    parts = urlsplit(source)
    return bool(parts.netloc) and parts.netloc == request.get_host()


def form_not_sent(request, *, signed_out: bool, give_back: bool):
    """The page for a form that was not taken: why, that nothing was saved, and (``give_back``) what was
    typed with a button that sends it again."""
    returned = what_was_typed(request) if give_back and sent_from_this_site(request) else None
    context = {"returned": returned, "action": request.get_full_path(), "signed_out": signed_out}
    return render(request, "core/form_expired.html", context, status=403)


def what_was_typed(request) -> Returned:
    values, secret_left_out = [], False
    for name, sent in request.POST.lists():
        if _SECRET_NAME.search(name):
            secret_left_out = secret_left_out or name != "csrfmiddlewaretoken"
            continue
        label = name.replace("_", " ").replace("-", " ").strip().capitalize()
        values.append(TypedValue(name=name, label=label, values=sent, shown=not _PLUMBING_NAME.search(name)))
    return Returned(values=values, secret_left_out=secret_left_out, files_left_out=bool(request.FILES))
