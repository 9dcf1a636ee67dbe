"""Pages for support offered to those affected."""

from django.urls import reverse

from svtoolkit import access
from svtoolkit.core.forms import initial_from, revised
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.pages import incident_form_page, incident_section, their_version
from svtoolkit.recovery.support import selectors, services
from svtoolkit.recovery.support.forms import OFFER_FIELDS, SupportOfferForm, SupportResponseForm


@access.requires(access.is_member)
@incident_section("recovery/support.html")
def support(request, shown):
    return {
        "counts": selectors.support_counts(shown),
        "people": selectors.support_summary(user=request.user, incident=shown, request=request),
        "can_record": access.can_record_support(request.user, request.partnership, shown)
        and not access.is_read_only(shown),
    }


@access.requires(access.can_work_incident)
def support_add(request, incident_id, person_id):
    shown = access.get_for(request, Incident, incident_id)
    access.refuse_form_of_closed(request, shown)
    person = access.get_for(request, shown.people.all(), person_id, rule=access.can_record_support_for)
    # The record is the lead partnership's, and so are the agreement its referral relies on, the directory's
    # services and the organisations, from whichever partnership the incident is shared with it is recorded.
    form = SupportOfferForm(
        request.POST or None, partnership=shown.partnership, occurred_at=shown.occurred_at
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading=f"Record support or a referral for a {person.get_role_display().lower()}",
        button="Record",
        save=lambda data: services.offer_support(
            person=person,
            by=request.user,
            request=request,
            referral_basis=form.referral_basis(),
            **{name: data[name] for name in OFFER_FIELDS},
        ),
        success="The support was recorded.",
        done=reverse("recovery:support", args=[shown.pk]),
    )


@access.requires(access.can_work_incident)
def support_update(request, incident_id, offer_id):
    shown = access.get_for(request, Incident, incident_id, rule=access.can_record_support)
    # Before the record is read: a closed incident's support is not updated, so it is not opened to be.
    access.refuse_form_of_closed(request, shown)
    offer = selectors.read_offer(user=request.user, incident=shown, offer_id=offer_id, request=request)
    form = SupportResponseForm(
        request.POST or None,
        initial=initial_from(offer, "response", "outcome", "follow_up_on", "revision"),
    )
    return incident_form_page(
        request,
        shown,
        form,
        heading=f"Update {offer.get_kind_display().lower()} for a {offer.person.get_role_display().lower()}",
        button="Save",
        intro=f"{offer.description}, offered {offer.offered_on:%d %B %Y}.",
        save=lambda data: services.record_support_response(
            offer=offer, by=request.user, request=request, **revised(data)
        ),
        success="The support record was updated.",
        done=reverse("recovery:support", args=[shown.pk]),
        thing="support record",
        on_conflict=their_version(offer, _response_rows),
    )


def _response_rows(offer) -> list:
    return [
        ("Answer or outcome", offer.get_response_display()),
        ("What happened", offer.outcome),
        ("Next follow-up date", offer.follow_up_on and f"{offer.follow_up_on:%d %B %Y}"),
    ]
