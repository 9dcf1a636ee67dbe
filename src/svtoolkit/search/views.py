"""The search page: one box, results grouped by kind, only from what the person may see."""

from django.shortcuts import render

from svtoolkit import access
from svtoolkit.search.selectors import MAX_QUERY_LENGTH, search_for


@access.requires(access.is_member)
def results(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "search/results.html",
        {
            "query": query[:MAX_QUERY_LENGTH],
            "results": search_for(request.user, query, partnership=request.partnership),
            "max_length": MAX_QUERY_LENGTH,
        },
    )
