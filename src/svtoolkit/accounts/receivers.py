"""A change to a membership or an authenticator moves its person's access version (accounts.principal)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts.models import Membership
from svtoolkit.accounts.principal import forget_access_of, skipping_restores


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="svtoolkit-access-membership")
@receiver([post_save, post_delete], sender=TOTPDevice, dispatch_uid="svtoolkit-access-totp")
@receiver([post_save, post_delete], sender=StaticDevice, dispatch_uid="svtoolkit-access-static")
@skipping_restores
def _forget_access_of_owner(sender, instance, **kwargs):
    forget_access_of([instance.user_id])
