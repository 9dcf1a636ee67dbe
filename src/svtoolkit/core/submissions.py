"""One-time submission keys: a form sent twice (a double click, a resend after a slow answer) works once.

Every form that posts carries ``{% submission_key %}``, a hidden random key. ``OneSubmissionMiddleware``
claims the key for the signed-in person before the view runs, in one transaction with the view's work; a
second sending with the same key waits for the first, then is answered with the first's result (its
redirect) instead of running again. A sending that does not end in a redirect (the form had errors) gives
the key back, so the corrected form can be sent.

A sending answered with a server error (500, or 503 "Nothing you sent was saved") keeps nothing: its work and
its claim are rolled back together, so the page is true and the same form sent again is saved once. A refusal
or a form with errors (4xx) is the request's own answer, and what it wrote (the refusal's audit entry) stays.
"""

import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone

from svtoolkit.core.models import Submission

FIELD = "submission_key"
KEY = re.compile(r"[0-9a-f]{32}")
KEPT_FOR = timedelta(days=2)


class OneSubmissionMiddleware:
    """Answers a second sending of one form with the first sending's result (see the module's note).

    The key is claimed in ``process_view``, so only once the middleware before it (sign-in, two-factor, the
    access policy) have let the request through: a refusal is never taken for the form's result.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _key_of(request) is None:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            claim = getattr(request, "_submission_claim", None)
            if response.status_code >= 500:
                # The view's failure was turned into the error page before it reached us: undo its work.
                transaction.set_rollback(True)
            elif claim is not None:
                _keep_or_give_back(claim, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        key = _key_of(request)
        if key is None:
            return None
        try:
            with transaction.atomic():
                request._submission_claim = Submission.objects.create(user=request.user, key=key)
        except IntegrityError:
            # The same form is being sent, or was sent: the insert waited for that sending to finish.
            earlier = Submission.objects.filter(user=request.user, key=key).first()
            if earlier is not None:
                return _answer_again(earlier)
        return None


def _key_of(request) -> str | None:
    if request.method != "POST" or not request.user.is_authenticated:
        return None
    key = request.POST.get(FIELD, "")
    return key if KEY.fullmatch(key) else None


def _keep_or_give_back(claim: Submission, response) -> None:
    htmx_location = response.get("HX-Redirect")
    if htmx_location:
        claim.location, claim.by_htmx = htmx_location, True
    elif 300 <= response.status_code < 400 and response.get("Location"):
        claim.location = response["Location"]
    else:
        claim.delete()
        return
    claim.save(update_fields=["location", "by_htmx"])


def _answer_again(earlier: Submission):
    if earlier.by_htmx:
        answer = HttpResponse(status=204)
        answer["HX-Redirect"] = earlier.location
        return answer
    return HttpResponseRedirect(earlier.location)


def forget_old_submissions() -> int:
    """Forget keys older than ``KEPT_FOR``: no page stays open that long unsent. Returns how many went."""
    deleted, _ = Submission.objects.filter(sent_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
