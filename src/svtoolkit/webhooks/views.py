"""Webhook pages for coordinators: endpoints, their signing secrets (shown once) and delivery logs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core.forms import errors_as_message, errors_shown_by_page, initial_from, revised
from svtoolkit.core.pages import form_page
from svtoolkit.webhooks import selectors, services
from svtoolkit.webhooks.forms import EndpointChangeForm, EndpointForm

PAGE_SIZE = 50
# The secret is handed from the POST that made it to the page that shows it, then forgotten.
SECRET_SESSION_KEY = "webhook_secret_to_show"


def _show_secret_once(request, endpoint, secret):
    request.session[SECRET_SESSION_KEY] = {"endpoint_id": endpoint.pk, "secret": secret}


def _secret_to_show(request, endpoint) -> str:
    shown = request.session.pop(SECRET_SESSION_KEY, None)
    return shown["secret"] if shown and shown["endpoint_id"] == endpoint.pk else ""


@access.requires(access.can_manage_webhooks)
def endpoints(request):
    return render(
        request,
        "webhooks/endpoints.html",
        {
            "endpoints": selectors.endpoints_of(request.partnership),
            "removed": selectors.removed_endpoints_of(request.partnership),
        },
    )


@access.requires(access.can_manage_webhooks)
def endpoint_add(request):
    def add(data):
        endpoint, secret = services.add_endpoint(
            partnership=request.partnership, by=request.user, request=request, **data
        )
        _show_secret_once(request, endpoint, secret)
        return endpoint

    return form_page(
        request,
        EndpointForm(request.POST or None),
        save=add,
        success="The endpoint was set up.",
        done=lambda endpoint: reverse("webhooks:endpoint", args=[endpoint.pk]),
        template="webhooks/endpoint_add.html",
    )


@access.requires(access.can_manage_webhooks)
def endpoint(request, endpoint_id):
    shown = selectors.endpoint_in(request.partnership, endpoint_id)
    if shown.removed_at is not None:
        return _removed_endpoint(request, shown)
    form = EndpointChangeForm(
        request.POST or None,
        initial=initial_from(shown, "url", "description", "event_types", "is_active", "revision"),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.change_endpoint(
            endpoint=shown, by=request.user, request=request, **revised(data)
        ),
        success="The endpoint was saved.",
        done=reverse("webhooks:endpoint", args=[shown.pk]),
        template="webhooks/endpoint.html",
        context=lambda: {"endpoint": shown, "secret": _secret_to_show(request, shown)},
        thing="endpoint",
    )


def _removed_endpoint(request, shown):
    """A removed endpoint's page offers no change: a save sent from the page opened before it was removed is
    refused, saying who removed it and when, and what was typed is not checked (the page no longer shows
    those fields, so it could not show their problems)."""
    with errors_shown_by_page() as refused:
        if request.method == "POST":
            services.refuse_if_removed(shown, so="your changes were not saved")
    return render(request, "webhooks/endpoint.html", {"endpoint": shown, "error": refused.error})


@access.requires(access.can_manage_webhooks)
@require_POST
def endpoint_secret(request, endpoint_id):
    shown = selectors.endpoint_in(request.partnership, endpoint_id)
    with errors_as_message(request):
        secret = services.make_new_secret(
            endpoint=shown,
            expected_revision=_revision_sent(request),
            by=request.user,
            request=request,
        )
        _show_secret_once(request, shown, secret)
        messages.success(request, "The endpoint has a new signing secret: the old one no longer works.")
    return redirect("webhooks:endpoint", endpoint_id=shown.pk)


@access.requires(access.can_manage_webhooks)
def endpoint_remove(request, endpoint_id):
    """Asks first (a warning and a red button); the answer carries the revision the question was asked with,
    so one sent after a colleague changed the endpoint is refused on the page, which shows it as it is now."""
    shown = selectors.endpoint_in(request.partnership, endpoint_id)
    with errors_shown_by_page() as refused:
        if request.method == "POST":
            services.remove_endpoint(
                endpoint=shown, expected_revision=_revision_sent(request), by=request.user, request=request
            )
            messages.success(
                request,
                f"{shown} was removed. Its signing secret was erased and nothing more will be sent to it.",
            )
            return redirect("webhooks:endpoints")
    if refused.error:
        shown = selectors.endpoint_in(request.partnership, endpoint_id)
    return render(request, "webhooks/endpoint_remove.html", {"endpoint": shown, "error": refused.error})


def _revision_sent(request) -> int | None:
    """The revision of the endpoint as the page that sent the button showed it (None: not sent)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


@access.requires(access.can_manage_webhooks)
def deliveries(request, endpoint_id):
    shown = selectors.endpoint_in(request.partnership, endpoint_id)
    page = Paginator(selectors.delivery_log(shown), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/deliveries.html", {"endpoint": shown, "page": page})


@access.requires(access.can_manage_webhooks)
@require_POST
def delivery_send_again(request, delivery_id):
    delivery = selectors.delivery_in(request.partnership, delivery_id)
    with errors_as_message(request):
        services.send_again(delivery=delivery, by=request.user, request=request)
        messages.success(request, f"The {delivery.event.event_type} event will be sent again.")
    return redirect("webhooks:deliveries", endpoint_id=delivery.endpoint_id)
