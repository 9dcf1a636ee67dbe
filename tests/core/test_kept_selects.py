"""A select whose list is kept (core.kept_lists) has its options written once for each version of the list
(core.forms.Select): each page only marks the one chosen. The markup is what Django's select draws, byte for
byte, whatever is chosen or sent; a change to the list shows on the next page; a stored choice no longer
listed is still shown, chosen."""

import pytest
from django import forms
from django.urls import reverse

from svtoolkit.accounts.models import User
from svtoolkit.core.field_markup import field_markup
from svtoolkit.core.forms import ListedChoiceIterator, initial_from
from svtoolkit.incidents.forms import ActionUpdateForm
from svtoolkit.partnerships.models import Organisation
from tests.core.test_stored_choices_kept import plan_action
from tests.factories import MembershipFactory, OrganisationFactory
from tests.incidents.builders import demo_incident

pytestmark = pytest.mark.django_db

OWNERS = ("owner_organisation", "owner")
# A name for each list that only escaping keeps as it is.
AWKWARD = 'O\'Neil & "Sons" <Trust>'


def _form(demo, action, data=None, *, can_reassign=True):
    initial = initial_from(action, "status", "not_needed_reason", "revision") | {
        "owner_organisation": action.owner_organisation_id,
        "owner": action.owner_id,
    }
    return ActionUpdateForm(data, initial=initial, partnership=demo, can_reassign=can_reassign)


def _drawn(form) -> list[str]:
    return [field_markup(form[name]) for name in OWNERS]


def _as_django_draws(form, monkeypatch) -> list[str]:
    """The selects as Django's own select draws them: its options made one by one from the same list."""
    with monkeypatch.context() as patch:
        patch.setattr(ListedChoiceIterator, "options", lambda iterator: None)
        return _drawn(form)


@pytest.fixture
def awkward(demo):
    organisation = OrganisationFactory(partnership=demo, name=AWKWARD)
    return MembershipFactory(partnership=demo, organisation=organisation, user__full_name=AWKWARD).user


def test_a_kept_select_is_drawn_as_djangos_select_whatever_is_chosen(demo, demo_users, awkward, monkeypatch):
    _, action = demo_incident(demo, demo_users)
    sent = {"status": action.status, "revision": action.revision, "note": ""}
    shown = [
        _form(demo, action),  # the organisation stored, nobody yet
        _form(demo, action, can_reassign=False),  # disabled
        _form(demo, action, sent | {"owner_organisation": awkward.memberships.get().organisation_id}),
        _form(demo, action, sent | {"owner_organisation": "", "owner": awkward.pk}),
        # Not offered (an error, drawn with its class and described by it), and not a number.
        _form(demo, action, sent | {"owner_organisation": "999999", "owner": "someone"}),
    ]
    for form in shown:
        form.is_valid()
        drawn = _drawn(form)

        assert all(form.fields[name].widget.choices.options() for name in OWNERS)  # written once

        assert drawn == _as_django_draws(form, monkeypatch)
        assert drawn == _drawn(form)  # drawn again from the options written once
    assert "O&#39;Neil &amp; &#34;Sons&#34; &lt;Trust&gt;</option>" in _drawn(shown[2])[0]
    assert f'<option value="{awkward.pk}" selected>' in _drawn(shown[3])[1]
    assert " selected>" not in "".join(_drawn(shown[4]))


def test_a_kept_lists_options_are_written_once_not_for_every_page(demo, demo_users, monkeypatch):
    _, action = demo_incident(demo, demo_users)
    first = _drawn(_form(demo, action))
    made = []
    original = forms.Select.create_option

    def counted(widget, *args, **kwargs):
        made.append(args)
        return original(widget, *args, **kwargs)

    monkeypatch.setattr(forms.Select, "create_option", counted)
    chosen = User.objects.filter(memberships__partnership=demo).first()
    again = _drawn(_form(demo, action, {"owner_organisation": "", "owner": chosen.pk}))

    assert made == []
    assert again[0] == first[0].replace(" selected>", ">").replace('value="">', 'value="" selected>')
    assert f'<option value="{chosen.pk}" selected>' in again[1]


def test_an_organisation_or_person_added_or_renamed_shows_in_the_selects_on_the_next_page(
    client_for, demo, demo_users
):
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    client.get(url)

    added = OrganisationFactory(partnership=demo, name="Newly Formed Trust")
    person = MembershipFactory(partnership=demo, organisation=added, user__full_name="Newcomer Person").user
    page = client.get(url).content.decode()
    assert f'<option value="{added.pk}">Newly Formed Trust</option>' in page
    assert f'<option value="{person.pk}">Newcomer Person</option>' in page

    Organisation.objects.filter(pk=added.pk).update(name="Renamed Trust")
    User.objects.filter(pk=person.pk).update(full_name="Renamed Person")
    page = client.get(url).content.decode()
    assert f'<option value="{added.pk}">Renamed Trust</option>' in page
    assert f'<option value="{person.pk}">Renamed Person</option>' in page
    assert "Newly Formed Trust" not in page and "Newcomer Person" not in page


def test_a_stored_choice_no_longer_listed_is_still_shown_chosen_after_the_list_was_kept(
    client_for, demo, demo_users
):
    url, stored, kept = plan_action(demo, demo_users)
    client = client_for("coordinator")
    client.get(url)  # the list kept without them, the action's owner drawn as no longer active

    page = client.get(url).content.decode()

    assert f'<option value="{kept["owner"].pk}" selected>{kept["owner"]} (no longer active)</option>' in page
