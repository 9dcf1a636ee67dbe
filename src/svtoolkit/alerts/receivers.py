"""What the alerts app does when the incidents app tells it something (incidents cannot import alerts)."""

from django.dispatch import receiver

from svtoolkit.incidents.signals import incident_categorised


@receiver(incident_categorised, dispatch_uid="alerts-launch-protocol")
def launch_protocol_on_categorisation(sender, *, incident, categorisation, by, request=None, **kwargs):
    from svtoolkit.alerts.services import run_launch_protocol

    run_launch_protocol(incident=incident, categorisation=categorisation, by=by, request=request)
