"""A change to a membership or an authenticator moves its person's access version (accounts.principal); a
failed sign-in counts against the client's limit, and a sign-in starts the session's clock."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts.limits import count_failed_sign_in
from svtoolkit.accounts.models import Membership
from svtoolkit.accounts.principal import forget_access_of, skipping_restores


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="svtoolkit-access-membership")
@receiver([post_save, post_delete], sender=TOTPDevice, dispatch_uid="svtoolkit-access-totp")
@receiver([post_save, post_delete], sender=StaticDevice, dispatch_uid="svtoolkit-access-static")
@skipping_restores
def _forget_access_of_owner(sender, instance, **kwargs):
    forget_access_of([instance.user_id])


user_login_failed.connect(count_failed_sign_in, dispatch_uid="svtoolkit.accounts.limits")


@receiver(user_logged_in, dispatch_uid="svtoolkit-session-clock")
def _start_session_clock(sender, request, user, **kwargs):
    from svtoolkit.accounts.middleware import start_session_clock

    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
