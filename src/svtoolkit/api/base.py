"""What every API view shares: the rules of ``svtoolkit.access``, the partnership, paging and errors."""

from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler
from rest_framework.viewsets import GenericViewSet

from svtoolkit import access
from svtoolkit.api.models import ApiToken
from svtoolkit.api.pagination import Pages
from svtoolkit.api.throttling import PER_TOKEN
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_counted
from svtoolkit.core import downloads
from svtoolkit.core.errors import DomainError, EditConflict


def handle_exception(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: a service's refusal as the API answers it, in one place.

    ``EditConflict`` is 409 with ``{"detail": ..., "current_revision": n}`` (the stored revision, a number,
    for the client's retry); any other ``DomainError`` is 400, ``{"<field>": [message]}`` when the error names
    the field it concerns, else ``{"detail": message}``. Everything else is DRF's own answer.
    """
    if isinstance(exc, EditConflict):
        return Response(
            {"detail": exc.message, "current_revision": exc.current_revision}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, DomainError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


class FollowsAccessRules(BasePermission):
    """The view's rule from ``svtoolkit.access`` for the current partnership; a refusal is audited (403)."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        rule = view.rule_for(request)
        if not rule(request.user, request.partnership):
            access.deny(request._request, reason=rule.__name__)
        return True


class ApiView:
    """Mixed into every API view: declares itself to the deny-by-default middleware and finds the partnership.

    ``rules`` maps a viewset action (``list``, ``create``, ``partial_update``...) to a rule of
    ``svtoolkit.access``; ``read_rule`` and ``write_rule`` apply to any action not named there.
    """

    permission_classes = [FollowsAccessRules]
    # No OPTIONS: the schema describes every operation, for every role alike.
    http_method_names = ["get", "post", "patch", "head"]
    read_rule = staticmethod(access.is_member)
    write_rule = staticmethod(access.is_member)
    rules: dict = {}

    @classmethod
    def as_view(cls, *args, **kwargs):
        return access.checked_by_api(super().as_view(*args, **kwargs))

    def rule_for(self, request):
        action = getattr(self, "action", None)
        if action in self.rules:
            return self.rules[action]
        return self.read_rule if request.method in SAFE_METHODS else self.write_rule

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if isinstance(request.auth, ApiToken):
            # A token works only in its own partnership, and only while its owner is still a member there.
            token = request.auth
            membership = access.memberships_of(request.user).get(token.partnership_id)
            request._request.membership = membership
            request._request.partnership = membership.partnership if membership else None

    def check_permissions(self, request):
        # Counted before the rule, so a token refused 403 in a loop meets its limit (429) like any other,
        # rather than writing an audit entry a request for as long as it runs.
        super().check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        """Done in ``check_permissions``, before the rule (DRF would count only what the rule let through)."""

    # Set by a serializer that shows personal data of someone affected (a message naming them): the answer is
    # then marked as such, never below OFFICIAL-SENSITIVE.
    shows_personal_data = False

    def finalize_response(self, request, response, *args, **kwargs):
        # What the API answers is the partnership's case details: saved to a file, it says how to handle it.
        response = super().finalize_response(request, response, *args, **kwargs)
        response[downloads.HEADER] = downloads.marking_for(personal_data=self.shows_personal_data)
        return response

    def throttled(self, request, wait):
        # Audited once per client per window, with a count; DRF adds "Expected available in N seconds." and
        # the Retry-After header.
        record_counted(
            action=AuditAction.RATE_LIMITED,
            request=request._request,
            actor=request.user,
            partnership=request._request.partnership,
            detail={"limit": PER_TOKEN},
        )
        raise Throttled(wait, detail="Too many requests with this token in a short time.")


class ReadingsAudited:
    """Mixed into a view whose reading is written to the audit log (a message naming someone affected): it
    answers HEAD 405. DRF would run the GET handler for it, reading and auditing, for an answer without the
    body, so the log would say it was read when nothing was shown."""

    http_method_names = [name for name in ApiView.http_method_names if name != "head"]


class ApiViewSet(ApiView, GenericViewSet):
    pagination_class = Pages

    def list(self, request, **kwargs):
        """The view's records, filtered and a page at a time."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def validated(self, serializer_class=None, *, partial=False, **context):
        """The request's data as checked by ``serializer_class`` (the view's own by default), given the view's
        serializer context and ``context``; a 400 answer with the serializer's errors if it is not valid."""
        given = (serializer_class or self.get_serializer_class())(
            data=self.request.data, partial=partial, context={**self.get_serializer_context(), **context}
        )
        given.is_valid(raise_exception=True)
        return given.validated_data
