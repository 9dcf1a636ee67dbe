"""API requests per personal token (SVTOOLKIT_RATE_API_PER_TOKEN): past it, 429 JSON with Retry-After."""

import pytest
from django.urls import reverse

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
