"""The incident's pages, written once: its sections' read pages (``incident_section``) and its one-question
pages (``incidents/simple_form.html`` through ``core.pages``)."""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse

from svtoolkit import access
from svtoolkit.core.pages import form_page, stored_again
from svtoolkit.incidents.selectors import incident_for_request, people_left_out_of_share, people_visible_to

SIMPLE_FORM = "incidents/simple_form.html"


def incident_url(incident, anchor: str = "") -> str:
    """The incident's page, at ``anchor`` (a section of it) when given."""
    return reverse("incidents:incident", args=[incident.pk]) + (f"#{anchor}" if anchor else "")


# An id no incident has, to reverse the incident page's address once and put each id in its place.
_ANY_ID = 987654321


def with_page_urls(incidents: list) -> list:
    """Give each incident its page's address (``url``), reversed once for the whole list: fifty
    ``{% url %}`` tags were a fifth of the incident list's time."""
    before, _, after = reverse("incidents:incident", args=[_ANY_ID]).rpartition(str(_ANY_ID))
    for incident in incidents:
        incident.url = f"{before}{incident.pk}{after}"
    return incidents


def incident_section(template: str):
    """A read page of one section of an incident (its plan, timeline, meetings ...), drawn on ``template``
    under the incident's header: the view is called as ``view(request, incident)`` with the incident the
    request may see (``incident_for_request``) and returns what the page shows besides. Each page is given
    ``incident`` and ``can_manage`` (changes to the response are offered: ``can_manage_incident_now``); a
    view's own ``can_manage`` replaces it. Who may open the page is still the view's ``access.requires``."""

    def decorator(view):
        @wraps(view)
        def section_page(request, incident_id):
            incident = incident_for_request(request, incident_id)
            shown = {
                "incident": incident,
                "can_manage": access.can_manage_incident_now(request.user, request.partnership, incident),
            }
            return render(request, template, {**shown, **view(request, incident)})

        return section_page

    return decorator


def incident_form_page(
    request,
    incident,
    form,
    *,
    heading,
    button,
    save,
    success,
    done=None,
    thing="record",
    on_conflict=None,
    **context,
):
    """A page of one form about ``incident``, under its reference and title: ``core.pages.form_page`` with
    ``heading`` and the ``button``'s label; ``done`` is the incident's page unless given; ``on_conflict``
    gives their version after an edit conflict (``theirs``: label and value rows). Any other keyword
    (``intro``, ``point_picker``) goes to the template as it is."""
    return form_page(
        request,
        form,
        save=save,
        success=success,
        done=incident_url(incident) if done is None else done,
        template=SIMPLE_FORM,
        context={"incident": incident, "heading": heading, "button": button, **context},
        thing=thing,
        on_conflict=on_conflict,
    )


def their_version(record, rows):
    """An ``on_conflict`` for ``incident_form_page``: after an edit conflict, ``record`` as stored now, shown
    beside the form as ``rows(record)`` (label and value pairs: their version)."""
    return stored_again(record, lambda stored: {"theirs": rows(stored)})


def show_incident_form(request, incident, form, *, heading, button, **context):
    """The same page, shown by a view that handles the POST itself (a download, or "their version" after an
    edit conflict: pass ``theirs``)."""
    return render(
        request,
        SIMPLE_FORM,
        {"incident": incident, "form": form, "heading": heading, "button": button, **context},
    )


def share_carries_records(request, incident) -> bool:
    """Whether a share of ``incident`` by this person would carry records of people affected (those they may
    read), and so be a disclosure: the share page's hint and confirmation say which."""
    return people_visible_to(request.user, incident).exists()


def left_out_of_share(request, incident) -> str:
    """What a page sharing ``incident`` says, before one shares, of the records of people affected that will
    not go with it (those the person may not read: ``services.share_incident``); "" when none."""
    left_out = people_left_out_of_share(request.user, incident)
    if not left_out:
        return ""
    said = (
        "1 record of people affected is on a need-to-know list you are not on"
        if left_out == 1
        else f"{left_out} records of people affected are on need-to-know lists you are not on"
    )
    if not share_carries_records(request, incident):
        return (
            f"{said}, so only the incident will be shared and nothing will be written to the disclosure log: "
            f"{_someone_on_their_lists(left_out)}."
        )
    they = "it" if left_out == 1 else "they"
    return f"{said}, so {they} will not go with the share: {_someone_on_their_lists(left_out)}."


def shared_message(share, done: str) -> str:
    """The confirmation of a share, ``done``, with what it left out (the records the person sharing may not
    read) when it left any, and that it logged no disclosure when it carried no record: as the share recorded
    them (``services.share_incident``), never counted again after it."""
    left_out = share.left_out
    someone = _someone_on_their_lists(left_out)
    if share.disclosure is None:
        done = (
            f"{done} No records of people affected went with it, so nothing was written to the disclosure "
            "log."
        )
        return f"{done} {someone.capitalize()}." if left_out else done
    if left_out == 1:
        return f"{done} 1 record you may not read was not shared: {someone}."
    if left_out:
        return f"{done} {left_out} records you may not read were not shared: {someone}."
    return done


def _someone_on_their_lists(left_out: int) -> str:
    return "someone on its list can share it" if left_out == 1 else "someone on their lists can share them"
