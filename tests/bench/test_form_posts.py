"""The bench's requests send what a browser sends (bench/form_posts.py): a write posts its form's hidden
fields, and the live part's refresh sends the headers its page gives htmx."""

import importlib.util
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from svtoolkit.accounts.models import User
from svtoolkit.bench.generator import LARGE_TITLE
from svtoolkit.incidents.models import Incident
from tests.conftest import MODEL_BACKEND

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("form_posts", ROOT / "bench" / "form_posts.py")
form_posts = importlib.util.module_from_spec(spec)
spec.loader.exec_module(form_posts)


def _coordinator_on_the_large_incident():
    call_command("generate_load_data", incidents=3, partnerships=1, quiet=True)
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email__startswith="coordinator."), backend=MODEL_BACKEND)
    return client, Incident.objects.get(title__startswith=LARGE_TITLE)


def test_a_status_change_posts_its_forms_hidden_fields_and_ends_in_a_redirect(db):
    client, incident = _coordinator_on_the_large_incident()
    page = reverse("incidents:status", args=[incident.pk])
    html = client.get(page).content.decode()

    data = form_posts.form_data(html, page=page, changes={"status": "recovery"})

    # The page's own form, not the sign-out form in its header.
    assert data["revision"] == "responding" and data["submission_key"] and data["csrfmiddlewaretoken"]
    # What the bench used to send (the token and the status, no revision): the form shown again, an error.
    refused = client.post(page, {"csrfmiddlewaretoken": data["csrfmiddlewaretoken"], "status": "recovery"})
    assert (
        form_posts.write_failure(refused.status_code, refused.content.decode()) == "HTTP 200, not a redirect"
    )
    saved = client.post(page, data)
    assert form_posts.write_failure(saved.status_code, saved.content.decode()) is None
    incident.refresh_from_db()
    assert incident.status == "recovery"


def test_a_status_changed_by_someone_else_since_its_form_opened_is_an_edit_conflict(db):
    client, incident = _coordinator_on_the_large_incident()
    page = reverse("incidents:status", args=[incident.pk])
    first = form_posts.form_data(client.get(page).content.decode(), page=page, changes={"status": "recovery"})
    second = form_posts.form_data(
        client.get(page).content.decode(), page=page, changes={"status": "assessing"}
    )
    assert client.post(page, first).status_code == 302

    conflict = client.post(page, second)

    assert (
        form_posts.write_failure(conflict.status_code, conflict.content.decode()) == form_posts.EDIT_CONFLICT
    )


def test_a_form_posting_elsewhere_is_found_by_its_action(db):
    client, incident = _coordinator_on_the_large_incident()
    page = reverse("incidents:incident", args=[incident.pk])
    html = client.get(page).content.decode()

    data = form_posts.form_data(html, page=page, action=reverse("accounts:logout"), changes={})

    assert set(data) == {"csrfmiddlewaretoken", "submission_key"}


def test_the_live_refresh_sends_what_the_page_gives_htmx_and_an_unchanged_part_is_answered_204(db):
    client, incident = _coordinator_on_the_large_incident()
    page = reverse("incidents:incident", args=[incident.pk])

    headers = form_posts.refresh_headers(
        client.get(page).content.decode(), "incident-live", page=f"http://127.0.0.1{page}"
    )

    assert (
        headers["HX-Request"] == "true" and headers["X-Svt-Background"] == "true" and headers["X-Svt-Shown"]
    )
    assert client.get(page, headers=headers).status_code == 204
    client.post(
        reverse("incidents:update", args=[incident.pk]),
        form_posts.form_data(
            client.get(reverse("incidents:update", args=[incident.pk])).content.decode(),
            page=reverse("incidents:update", args=[incident.pk]),
            changes={"text": "Community reassurance patrol completed."},
        ),
    )
    changed = client.get(page, headers=headers)
    assert changed.status_code == 200
    again = form_posts.refresh_headers(
        changed.content.decode(), "incident-live", page=f"http://127.0.0.1{page}"
    )
    assert again["X-Svt-Shown"] != headers["X-Svt-Shown"]
    assert client.get(page, headers=again).status_code == 204
