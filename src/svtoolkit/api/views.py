"""The REST API (``/api/v1/``) and the pages where people manage their API tokens.

Thin, like the web's views: records are found through the same selectors (so what someone may not see is not
found, 404), every rule is a predicate of ``svtoolkit.access``, and every change goes through the same service
as the web's form, so the timeline and audit entries are the same whichever way a change was made.
People affected are not in the API: their records are read only on the web, with a reason, and audited.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from drf_spectacular.views import SpectacularAPIView

from svtoolkit import access
from svtoolkit.accounts import selectors as accounts
from svtoolkit.api import selectors as token_selectors
from svtoolkit.api import services as token_services
from svtoolkit.api.base import ApiView
from svtoolkit.api.forms import TokenForm
from svtoolkit.core import downloads
from svtoolkit.core.forms import errors_shown_on

# --- The schema and its documentation ----------------------------------------------------------------


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema of the API, for members of a partnership."""

    def finalize_response(self, request, response, *args, **kwargs):
        # drf-spectacular names the file after the API's title alone; saved, it is a file like any other.
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            downloads.name_marked(
                response,
                f"svtoolkit-api.{request.accepted_renderer.format}",
                downloads.case_marking(),
                inline=True,
            )
        return response


@access.signed_in
def docs(request):
    """The API's documentation (Swagger UI), served from svtoolkit's own static files."""
    return render(request, "api/docs.html")


# --- Tokens (pages of the account area) --------------------------------------------------------------


@access.signed_in
def tokens(request):
    """The person's own tokens; creating one shows its secret on this one answer only."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_shown_on(form):
            token, secret = token_services.create_token(
                user=request.user,
                partnership=request.partnership,
                name=form.cleaned_data["name"],
                valid_days=form.cleaned_data["valid_days"],
                request=request,
            )
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": token_selectors.tokens_of(request.user),
            "two_factor_required": accounts.two_factor_required_for(request.user),
            "tokens_refused_for_two_factor": accounts.lacks_required_second_factor(request.user),
        },
    )


@access.signed_in
@require_POST
def token_revoke(request, token_id):
    token = token_selectors.token_of(request.user, token_id)
    token_services.revoke_token(token=token, by=request.user, request=request)
    messages.success(request, f"The token “{token.name}” was revoked. It no longer works.")
    return redirect("api:tokens")
