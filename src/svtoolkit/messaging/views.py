from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from svtoolkit import access
from svtoolkit.core import filtering
from svtoolkit.core.forms import errors_as_message
from svtoolkit.core.pages import same_site
from svtoolkit.messaging import selectors, services
from svtoolkit.messaging.models import DeliveryStatus

PAGE_SIZE = 50
DELIVERY_STATUS_FILTER = filtering.Filter(name="status", heading="Status", choices=DeliveryStatus.choices)


@access.requires(access.is_member)
def my_messages(request):
    return render(
        request,
        "messaging/my_messages.html",
        {"deliveries": selectors.deliveries_to(request.user), "providers": services.settings_summary()},
    )


@access.requires(access.can_view_delivery_log)
def delivery_log(request):
    shown = filtering.filtered(request, DELIVERY_STATUS_FILTER)
    deliveries = selectors.delivery_log(request.partnership, statuses=shown.of("status"))
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/log.html",
        {
            "page": page,
            "filters": [DELIVERY_STATUS_FILTER],
            "filtered": shown,
            "query": shown.query,
            "providers": services.settings_summary(),
        },
    )


@access.requires(access.can_resend_messages)
@require_POST
def resend(request, delivery_id):
    delivery = selectors.delivery_in(request.partnership, delivery_id)
    if delivery is None:
        raise Http404
    with errors_as_message(request):
        services.resend(delivery=delivery, by=request.user, request=request)
        messages.success(
            request, f"The message to {delivery.recipient_label or delivery.address} is queued again."
        )
    return redirect(same_site(request, request.POST.get("next")) or "messaging:log")
