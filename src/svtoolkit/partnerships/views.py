from django.shortcuts import render

from svtoolkit import access
from svtoolkit.partnerships import selectors


@access.requires(access.is_member)
def organisations(request):
    return render(
        request,
        "partnerships/organisations.html",
        {"organisations": selectors.organisations_of(request.partnership)},
    )
