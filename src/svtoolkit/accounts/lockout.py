"""How django-axes names the account behind a sign-in attempt: the email address, normalised."""

from svtoolkit.accounts.models import normalise_email


def attempted_email(request, credentials) -> str | None:
    """The same address in any letter case counts against one account."""
    raw = (credentials or {}).get("username") or (
        request.POST.get("username") if request is not None else None
    )
    return normalise_email(raw) if raw else None
