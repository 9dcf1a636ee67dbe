"""Creating, using and revoking API tokens. Creating and revoking are audited."""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from svtoolkit.accounts.models import Invitation
from svtoolkit.alerts import services as alert_services
from svtoolkit.api.models import ApiToken, RaisedAlertKey
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.core.errors import DomainError

SECRET_PREFIX = "svt_"
# How stale "last used" may be: writing it on every request would add a write to every read.
LAST_USED_PRECISION = timedelta(minutes=5)


# The longest a token may be made to last: a forgotten token should not work for ever.
MAX_TOKEN_DAYS = 365


@transaction.atomic
def create_token(*, user, partnership, name, valid_days=None, request=None) -> tuple[ApiToken, str]:
    """A new token for ``user`` in ``partnership``, working for ``valid_days`` (``API_TOKEN_DEFAULT_DAYS``
    unless given, at most a year); returns it and its secret, which is never stored."""
    if partnership is None:
        raise DomainError("You need to belong to a partnership to use the API.")
    valid_days = settings.API_TOKEN_DEFAULT_DAYS if valid_days is None else valid_days
    if not 1 <= valid_days <= MAX_TOKEN_DAYS:
        raise DomainError(f"A token lasts from 1 to {MAX_TOKEN_DAYS} days.", field="valid_days")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        partnership=partnership,
        name=name.strip(),
        token_hash=Invitation.hash_token(secret),
        prefix=secret[: len(SECRET_PREFIX) + 4],
        expires_at=timezone.now() + timedelta(days=valid_days),
    )
    record(
        action=AuditAction.CREATE,
        actor=user,
        target=token,
        detail={"name": token.name, "valid_days": valid_days},
        request=request,
    )
    return token, secret


@transaction.atomic
def revoke_token(*, token, by, request=None) -> ApiToken:
    """Stop a token working at once. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        action=AuditAction.DELETE,
        actor=by,
        target=token,
        detail={"revoked": True, "name": token.name},
        request=request,
    )
    return token


def revoke_tokens_of_former_member(*, user, partnership, by, request=None) -> int:
    """Revoke the tokens someone held for a partnership they have left, so that being invited back does not
    bring back a token issued before (it may still sit in an outside system). How many were revoked."""
    tokens = list(ApiToken.objects.filter(user=user, partnership=partnership, revoked_at__isnull=True))
    for token in tokens:
        revoke_token(token=token, by=by, request=request)
    return len(tokens)


def note_use(token) -> None:
    """Remember when the token was last used, to within a few minutes."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


IDEMPOTENCY_KEY = "Idempotency-Key"


def raise_alert_once(*, key: str, partnership, by, request=None, **asked) -> tuple[object, bool]:
    """Raise an alert (``alerts.services.raise_alert``; ``occurred_at`` now unless given) once for each
    ``key`` its client sends in the partnership: the same key again is answered with the alert it raised,
    and nobody is alerted again. Returns the alert and whether this call raised it. The same key with
    another alert is refused (DomainError on the key)."""
    request_hash = hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()
    sent_before = RaisedAlertKey.objects.filter(user=by, partnership=partnership, key=key).select_related(
        "alert"
    )
    earlier = sent_before.first()
    if earlier is None:
        try:
            with transaction.atomic():
                alert = alert_services.raise_alert(
                    partnership=partnership,
                    by=by,
                    request=request,
                    **{**asked, "occurred_at": asked.get("occurred_at") or timezone.now()},
                )
                RaisedAlertKey.objects.create(
                    user=by, partnership=partnership, key=key, request_hash=request_hash, alert=alert
                )
                return alert, True
        except IntegrityError:
            # The same key, raised by a request that committed while this one waited: its alert stands, and
            # this one (its messages queued in the same transaction) was undone.
            earlier = sent_before.first()
            if earlier is None:
                raise
    if earlier.request_hash != request_hash:
        raise DomainError(
            f"This {IDEMPOTENCY_KEY} was sent before with another alert: send a new key for a new alert.",
            field=IDEMPOTENCY_KEY,
        )
    return earlier.alert, False
