"""The API and its docs page work with a signed-in session; changes then need the CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from tests.conftest import MODEL_BACKEND

pytestmark = pytest.mark.django_db


def test_a_session_reads_the_api_as_json_even_from_a_browser(client_for):
    client = client_for("viewer")
    assert client.get("/api/v1/incidents/").status_code == 200
    page = client.get("/api/v1/incidents/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 200 and page["Content-Type"] == "application/json"
    assert not AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def test_options_is_not_answered_the_schema_describes_the_operations(api_as, demo):
    response = api_as("viewer").options("/api/v1/incidents/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD"


def test_a_session_change_without_the_csrf_token_is_refused(demo_users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo_users["responder"], backend=MODEL_BACKEND)
    response = client.post("/api/v1/incidents/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_schema_is_openapi_3_and_the_docs_use_our_own_files(client_for):
    client = client_for("viewer")
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/incidents/" in schema.json()["paths"]
    assert not [path for path in schema.json()["paths"] if "people" in path]
    docs = client.get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs
    # No inline script or style (the CSP forbids them), nothing from another site.
    assert "<script>" not in docs and "<style" not in docs and "style=" not in docs
    assert "http://" not in docs and "https://" not in docs


def test_the_schema_says_a_patch_needs_the_revision_read_and_which_errors_each_operation_answers(client_for):
    """The defect: the schema marked `revision` optional on every PATCH, though each refuses one without it,
    and declared no answer but success.
    Now each PATCH's body requires the revision, and each operation lists the errors docs/api.md gives it:
    400 for what it is sent, 403 for a change, 404 for a record by id or a page, 409 for a stale read."""
    schema = client_for("viewer").get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    components, paths = schema.json()["components"]["schemas"], schema.json()["paths"]
    for name in (
        "PatchedIncidentUpdateRequest",
        "PatchedActionUpdateRequest",
        "PatchedOrganisationRequest",
        "PatchedContactRequest",
    ):
        assert components[name]["required"] == ["revision"], name
    patches = {path: operations["patch"] for path, operations in paths.items() if "patch" in operations}
    assert len(patches) == 4
    for path, patch in patches.items():
        assert patch["requestBody"]["required"], path
        assert set(patch["responses"]) == {"200", "400", "403", "404", "409"}, path
    answers = {
        ("get", "/api/v1/incidents/"): {"200", "400", "404"},
        ("post", "/api/v1/incidents/"): {"201", "400", "403"},
        ("get", "/api/v1/incidents/{incident_id}/"): {"200", "404"},
        ("post", "/api/v1/incidents/{incident_id}/status/"): {"200", "400", "403", "404", "409"},
        ("post", "/api/v1/incidents/{incident_id}/measures/{measure_id}/lift/"): {"200", "400", "403", "404"},
    }
    assert {key: set(paths[key[1]][key[0]]["responses"]) for key in answers} == answers
    assert components["EditConflict"]["required"] == ["detail", "current_revision"]
