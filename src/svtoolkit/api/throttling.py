"""How many API requests one personal token may make (SVTOOLKIT_RATE_API_PER_TOKEN): DRF's throttling."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from svtoolkit.api.models import ApiToken
from svtoolkit.core.cache import OUTAGE_ERRORS
from svtoolkit.core.ratelimits import parse_rate

PER_TOKEN = "SVTOOLKIT_RATE_API_PER_TOKEN"


class PerTokenThrottle(SimpleRateThrottle):
    """Counted per token, whoever owns it; requests made with the session (the API docs page) per person.
    Requests with no credentials are answered 401 before any counting; failed tokens are audited instead
    (``svtoolkit.api.authentication``)."""

    scope = "token"

    def get_rate(self):
        rate = getattr(settings, PER_TOKEN)
        return None if parse_rate(rate) is None else rate  # None: "off", no limit

    def parse_rate(self, rate):
        return (None, None) if rate is None else parse_rate(rate)

    def allow_request(self, request, view):
        # While Redis is down requests are not counted, rather than every API request answering 503.
        try:
            return super().allow_request(request, view)
        except OUTAGE_ERRORS:
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return f"throttle_token_{request.auth.pk}"
        if request.user.is_authenticated:
            return f"throttle_api_user_{request.user.pk}"
        return None
