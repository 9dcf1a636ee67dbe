"""Sign-in, sign-out, failed sign-in, lockout and Django admin changes go to the audit log as they happen."""

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_save
from django.dispatch import receiver

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.audit.services import record


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    # How the person signed in, where it was not a password (single sign-on sets it on the request).
    detail = getattr(request, "sign_in_detail", None)
    record(action=AuditAction.SIGN_IN, actor=user, detail=detail, request=request)


@receiver(user_logged_out)
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record(action=AuditAction.SIGN_OUT, actor=user, request=request)


@receiver(user_login_failed)
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The password is never stored; only the address that was tried.
    record(
        action=AuditAction.SIGN_IN_FAILED,
        actor_label=str(credentials.get("username", ""))[:254],
        request=request,
    )


@receiver(user_locked_out)
def record_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record(action=AuditAction.LOCKED_OUT, actor_label=str(username or "")[:254], request=request)


ADMIN_ACTIONS = {ADDITION: AuditAction.CREATE, CHANGE: AuditAction.UPDATE, DELETION: AuditAction.DELETE}


@receiver(post_save, sender=LogEntry)
def record_admin_change(sender, instance, created, **kwargs):
    """Changes made through the Django admin join the audit log too (not a restore loading old ones)."""
    if not created or kwargs.get("raw"):
        return
    action = ADMIN_ACTIONS[instance.action_flag]
    AuditEntry.objects.create(
        action=action,
        partnership=_partnership_of_admin_change(instance),
        actor=instance.user,
        actor_label=instance.user.email,
        actor_name=instance.user.get_full_name(),
        target_type=instance.content_type.model_class()._meta.label if instance.content_type_id else "",
        target_id=instance.object_id or "",
        target_label=instance.object_repr[:255],
        detail={"via": "admin", "change": instance.get_change_message()},
    )


def _partnership_of_admin_change(log_entry):
    """The partnership whose record the admin changed (the partnership itself, or the record's own, as
    ``record`` finds it), so the change is in that partnership's log; None for a record of no partnership
    (a person's account) or a partnership deleted, which no partnership's log shows."""
    if log_entry.content_type_id is None:
        return None
    try:
        changed = log_entry.get_edited_object()
    except ObjectDoesNotExist:
        return None
    if isinstance(changed, AuditEntry._meta.get_field("partnership").related_model):
        # A partnership deleted takes its log with it: an entry there would keep it, protected, from going.
        return None if log_entry.action_flag == DELETION else changed
    return getattr(changed, "partnership", None)
