"""What the meetings app does when incidents tell it something (incidents may not import meetings)."""

from django.dispatch import receiver

from svtoolkit.incidents.signals import incident_closed


@receiver(incident_closed, dispatch_uid="meetings-called-off-at-closing")
def cancel_meetings_at_closing(sender, *, incident, by, **kwargs):
    from svtoolkit.meetings.services import cancel_meetings_at_closing

    cancel_meetings_at_closing(incident=incident, by=by)
