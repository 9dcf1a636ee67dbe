"""Pages for the police measures at a scene."""

from django.contrib import messages
from django.utils import timezone
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.forms import errors_as_message
from svtoolkit.incidents.measures import selectors, services
from svtoolkit.incidents.measures.forms import MeasureForm
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_url
from svtoolkit.incidents.views import to_incident


@access.requires(access.can_work_incident)
def measure_add(request, incident_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_scene_measures)
    scenes = shown.scenes.all()
    # ?scene= (the link beside a scene) chooses it if it is one of the incident's scenes, compared as text so
    # nothing is read as a number; anything else ("²", a number no scene has) is ignored, as if absent.
    chosen = next((scene.pk for scene in scenes if str(scene.pk) == request.GET.get("scene")), None)
    if chosen is None and len(scenes) == 1:
        chosen = scenes[0].pk
    initial = {"starts_at": timezone.localtime().replace(second=0, microsecond=0), "scene": chosen}
    return incident_form_page(
        request,
        shown,
        MeasureForm(request.POST or None, initial=initial, scenes=scenes),
        heading="Add a police measure",
        intro="A cordon, rendezvous point, dispersal order, stop and search authorisation or road "
        "closure that partners must know about. Everyone who can see the incident sees it.",
        button="Add the measure",
        save=lambda data: services.add_measure(by=request.user, request=request, **data),
        success=lambda measure: f"{measure.get_kind_display()} added.",
        done=incident_url(shown, "scenes"),
    )


@access.requires(access.can_work_incident)
@require_POST
def measure_lift(request, incident_id, measure_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_scene_measures)
    measure = access.get_for(request, selectors.measures_in(shown), measure_id)
    with errors_as_message(request):
        services.lift_measure(measure=measure, by=request.user, request=request)
        messages.success(request, f"{measure.get_kind_display()} lifted.")
    return to_incident(shown, "scenes")
