"""One error family and one compare-and-set: what a service's refusal becomes on a form and in the API,
and that a save from a stale revision changes nothing."""

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from svtoolkit.api.base import handle_exception
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.forms import errors_as_message, errors_shown_on
from svtoolkit.core.locking import save_if_unchanged, update_if_unchanged
from svtoolkit.incidents.models import PlanAction
from tests.incidents.builders import demo_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(demo, demo_users):
    return demo_incident(demo, demo_users)[1]


def test_a_save_from_the_stored_revision_goes_through_and_moves_it_on(action):
    save_if_unchanged(PlanAction, action.pk, expected_revision=action.revision, title="Review the CCTV")
    action.refresh_from_db()
    assert (action.title, action.revision) == ("Review the CCTV", 2)


def test_a_save_from_a_stale_revision_changes_nothing_and_says_which_revision_is_stored(action):
    save_if_unchanged(PlanAction, action.pk, expected_revision=1, title="First")
    with pytest.raises(EditConflict) as raised:
        save_if_unchanged(
            PlanAction, action.pk, expected_revision=1, conflict_message="Too late.", title="Second"
        )
    action.refresh_from_db()
    assert (action.title, action.revision) == ("First", 2)
    assert (raised.value.message, raised.value.current_revision) == ("Too late.", 2)


def test_a_row_outside_the_narrowed_queryset_counts_as_changed(action):
    with pytest.raises(EditConflict):
        save_if_unchanged(
            PlanAction.objects.filter(status="done"), action.pk, expected_revision=1, title="Not written"
        )
    action.refresh_from_db()
    assert action.title != "Not written" and action.revision == 1


def test_an_instance_updated_if_unchanged_holds_what_is_stored_and_a_stale_one_is_refused(action):
    update_if_unchanged(action, expected_revision=action.revision, title="Review the CCTV")
    assert (action.title, action.revision) == ("Review the CCTV", 2)
    with pytest.raises(EditConflict) as raised:
        update_if_unchanged(action, expected_revision=1, title="Not written")
    assert raised.value.current_revision == 2
    action.refresh_from_db()
    assert action.title == "Review the CCTV"


class NoteForm(forms.Form):
    note = forms.CharField()
    revision = forms.IntegerField(widget=forms.HiddenInput)


def test_a_domain_error_is_shown_on_its_field_or_above_the_form():
    form = NoteForm({"note": "x", "revision": "1"})
    assert form.is_valid()
    with errors_shown_on(form) as refused:
        raise DomainError("Say more.", field="note")
    assert form.errors["note"] == ["Say more."] and refused.error and not refused.conflict
    with errors_shown_on(form):
        raise DomainError("Not now.", field="a_field_this_form_lacks")
    assert form.non_field_errors() == ["Not now."]


def test_an_edit_conflict_keeps_what_was_typed_and_moves_the_form_to_the_stored_revision():
    form = NoteForm({"note": "mine", "revision": "1"})
    assert form.is_valid()
    with errors_shown_on(form, thing="note") as refused:
        raise EditConflict("Lost the race.", current_revision=3)
    assert refused.conflict is not None
    assert "Someone else changed this note" in form.non_field_errors()[0]
    assert (form.data["note"], form.data["revision"]) == ("mine", 3)


def test_nothing_is_caught_when_the_service_succeeds():
    form = NoteForm({"note": "x", "revision": "1"})
    with errors_shown_on(form) as refused:
        pass
    assert refused.error is None


def test_a_domain_error_without_a_form_becomes_a_message():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with errors_as_message(request) as refused:
        raise DomainError("Publish the checklist first.")
    assert refused.error and [str(m) for m in request._messages] == ["Publish the checklist first."]


def test_the_api_answers_a_domain_error_with_400_and_a_conflict_with_409():
    on_field = handle_exception(DomainError("Say why.", field="reason"), {})
    assert (on_field.status_code, on_field.data) == (400, {"reason": ["Say why."]})
    whole = handle_exception(DomainError("Only in recovery."), {})
    assert (whole.status_code, whole.data) == (400, {"detail": "Only in recovery."})
    conflict = handle_exception(EditConflict("Too late.", current_revision=4), {})
    assert (conflict.status_code, conflict.data) == (409, {"detail": "Too late.", "current_revision": 4})
