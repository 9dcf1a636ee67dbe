"""The one family of errors a service raises when a rule of the domain is broken.

A service raises ``DomainError("Say why the action is not needed.", field="not_needed_reason")``; the web
(``svtoolkit.core.forms.errors_shown_on``) shows the message on that field of the form, or above the form when
the form has no such field, and the API (``svtoolkit.api.base.handle_exception``) answers 400 with
``{"not_needed_reason": ["..."]}`` or ``{"detail": "..."}``. Neither layer catches an app's own error class.

One app subclasses ``DomainError``, for a refusal that no form or API call shows:
``accounts.services.SignInRefused`` carries a ``reason`` (``not_invited``...), because a single sign-on is
refused inside mozilla-django-oidc's sign-in and ``accounts.sso.CallbackView`` audits that reason and picks
the refusal page by it. No other app defines an error class.
See docs/decisions/0001-one-error-family-and-compare-and-set.md.
"""


class DomainError(Exception):
    """A rule was broken; ``message`` is written for the person, ``field`` names the input it concerns.

    ``field`` is the name of the service's keyword argument (which the forms and serializers share), or
    ``None`` when the rule is about the record as a whole (an incident that is not in recovery, say).
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class EditConflict(DomainError):
    """Someone else saved the same record since this edit began (raised by ``core.locking``).

    ``current_revision`` is the revision stored now (``None`` if the record is gone): the web's conflict
    screen moves the form to it, and the API's 409 answer gives it to the client for its retry.
    """

    def __init__(self, message: str, *, current_revision: int | None = None):
        super().__init__(message)
        self.current_revision = current_revision
