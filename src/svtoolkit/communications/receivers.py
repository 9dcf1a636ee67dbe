"""What the communications app does when incidents tells it something (incidents may not import it)."""

from django.dispatch import receiver

from svtoolkit.incidents.signals import stopped_taking_part


@receiver(stopped_taking_part, dispatch_uid="communications-sign-offs-of-organisation-no-longer-taking-part")
def withdraw_sign_offs_on_stopping_taking_part(sender, *, incident, organisation, by, request=None, **kwargs):
    from svtoolkit.communications.services import withdraw_sign_offs_of

    withdraw_sign_offs_of(incident=incident, organisation=organisation, by=by, request=request)
