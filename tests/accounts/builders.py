"""Test data for sign-in and joining: an authenticator, a session that has passed it, an invitation."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts import services
from svtoolkit.accounts.models import Role


def current_code(device, steps_ahead=0):
    """The code the person's app shows now (or after `steps_ahead` 30-second steps: a code is used once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def pass_second_factor(client, user) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator and mark the client's session as having entered its code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Phone", confirmed=True
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return device


def signed_in_superuser(client):
    """A superuser signed in on ``client`` who has passed two-factor, so the Django admin opens to them."""
    from tests.factories import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser, backend="svtoolkit.accounts.backends.PersonBackend")
    pass_second_factor(client, superuser)
    return superuser


def invite(demo, by, **overrides):
    """``by``'s invitation to New Person, as a responder of ``demo``, unless said."""
    arguments = {
        "partnership": demo,
        "email": "New.Person@Example.org ",
        "full_name": "New Person",
        "role": Role.RESPONDER,
        "organisation": None,
        "invited_by": by,
    }
    arguments.update(overrides)
    return services.invite_member(**arguments)
