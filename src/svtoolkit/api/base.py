"""What every API view shares: the rules of ``svtoolkit.access``, the partnership, paging and errors."""

from rest_framework import exceptions, status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.viewsets import GenericViewSet

from svtoolkit import access
from svtoolkit.api.models import ApiToken
from svtoolkit.api.pagination import Pages


class Conflict(exceptions.APIException):
    """Someone else saved the record since the client read it (optimistic concurrency)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, message: str, **current: int):
        super().__init__(message)
        # The stored revision or version stays a number (DRF would make it text), for the client's retry.
        self.detail = {"detail": self.detail, **current}


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

    def deny(self, reason: str):
        access.deny(self.request._request, reason=reason)


class ApiViewSet(ApiView, GenericViewSet):
    pagination_class = Pages

    def list(self, request, **kwargs):
        """The view's records, filtered and a page at a time."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
