from django.core.paginator import Paginator
from django.shortcuts import render

from svtoolkit import access
from svtoolkit.audit.forms import AuditFilterForm
from svtoolkit.audit.selectors import audit_entries_for_partnership, with_details_shown
from svtoolkit.core import filtering

PAGE_SIZE = 50


@access.requires(access.can_view_audit_log)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = audit_entries_for_partnership(request.partnership, **filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_details_shown(page.object_list)
    shown = filtering.filtered_by_form(request, form)
    return render(
        request, "audit/log.html", {"form": form, "page": page, "filtered": shown, "query": shown.query}
    )
