"""API requests per personal token (SVTOOLKIT_RATE_API_PER_TOKEN): past it, 429 JSON with Retry-After."""

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_past_its_limit_is_told_when_to_try_again_and_other_tokens_go_on(api_as, settings):
    settings.SVTOOLKIT_RATE_API_PER_TOKEN = "3/m"
    busy = api_as("responder")
    for _ in range(3):
        assert busy.get(reverse("api:incidents")).status_code == 200

    refused = busy.get(reverse("api:incidents"))

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Too many requests with this token")
    assert api_as("responder").get(reverse("api:incidents")).status_code == 200


def test_requests_refused_by_the_rules_count_against_the_token_too(api_as, settings):
    """A token looping on something it may not do meets its limit like any other, rather than writing an
    audit entry for every request for as long as it runs."""
    settings.SVTOOLKIT_RATE_API_PER_TOKEN = "3/m"
    looping = api_as("viewer")
    for _ in range(3):
        assert looping.post(reverse("api:incidents"), {}, format="json").status_code == 403
    assert looping.post(reverse("api:incidents"), {}, format="json").status_code == 429
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == 3
