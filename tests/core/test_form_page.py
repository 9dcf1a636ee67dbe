"""core.pages.form_page: the one form page every simple form view is written with."""

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.forms import RevisionChecked
from svtoolkit.core.pages import form_page

TEMPLATE = "components/error_summary.html"  # any template: these tests read the response, not the page


class NoteForm(forms.Form):
    note = forms.CharField()


class RevisedNoteForm(RevisionChecked, forms.Form):
    note = forms.CharField()
    revision = forms.IntegerField(widget=forms.HiddenInput)


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.user, request.partnership, request.session = AnonymousUser(), None, {}
    request._messages = FallbackStorage(request)
    return request


def _page(request, form, save, **kwargs):
    """form_page, with what the tests read of the page it shows."""
    shown = {}

    def context():
        shown["read"] = True
        return {"extra": "yes"}

    kwargs.setdefault("context", context)
    response = form_page(
        request,
        form,
        save=save,
        success=lambda result: f"Saved {result}.",
        done="/done/",
        template=TEMPLATE,
        **kwargs,
    )
    return response, shown


def test_a_valid_post_calls_the_service_tells_the_person_and_redirects_without_reading_the_page():
    request = _request(data={"note": "hello"})
    response, shown = _page(request, NoteForm(request.POST), save=lambda data: data["note"].upper())
    assert (response.status_code, response["Location"]) == (302, "/done/")
    assert [str(m) for m in request._messages] == ["Saved HELLO."]
    assert "read" not in shown  # what only the page shows is not read on the way to the next page


def test_a_domain_error_goes_on_its_field_and_the_page_is_shown_again():
    request = _request(data={"note": "hello"})
    form = NoteForm(request.POST)

    def refuse(data):
        raise DomainError("Say more.", field="note")

    response, shown = _page(request, form, save=refuse)
    assert response.status_code == 200 and shown["read"]
    assert form.errors == {"note": ["Say more."]}
    assert list(request._messages) == []


def test_a_get_or_an_invalid_post_shows_the_form_and_calls_nothing():
    called = []
    for request in (_request("get"), _request(data={})):
        response, shown = _page(request, NoteForm(request.POST or None), save=called.append)
        assert response.status_code == 200 and shown["read"]
    assert called == []


def test_an_edit_conflict_shows_the_conflict_and_what_on_conflict_gives():
    request = _request(data={"note": "mine", "revision": "1"})
    form = RevisedNoteForm(request.POST)

    def lose_the_race(data):
        raise EditConflict("Lost the race.", current_revision=2)

    theirs = []
    response, _ = _page(
        request,
        form,
        save=lose_the_race,
        thing="note",
        on_conflict=lambda: theirs.append("asked") or {"theirs": [("Note", "theirs")]},
    )
    assert response.status_code == 200 and theirs == ["asked"]
    assert "Someone else changed this note" in form.non_field_errors()[0]
