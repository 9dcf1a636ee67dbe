"""The owner selects of a partnership's forms are shown from lists kept in the cache (core.kept_lists), keyed
by the changes to the tables they read: a person, a membership or an organisation changed shows on the next
page, a list kept for one partnership is never shown to another, and validation still reads the database."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from svtoolkit.accounts.models import User
from svtoolkit.accounts.selectors import member_users
from svtoolkit.core.forms import ListedChoiceField, initial_from
from svtoolkit.incidents.forms import ActionUpdateForm
from svtoolkit.partnerships.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, PartnershipFactory
from tests.incidents.builders import demo_incident

pytestmark = pytest.mark.django_db


def _form(partnership, action=None):
    initial = initial_from(action, "status", "owner_organisation", "owner", "revision") if action else {}
    return ActionUpdateForm(initial=initial, partnership=partnership, can_reassign=True)


def _shown(partnership, name="owner") -> list[str]:
    return [label for _, label in _form(partnership).fields[name].choices]


def _read_to_show(form) -> list[str]:
    with CaptureQueriesContext(connection) as read:
        for name in ("owner_organisation", "owner"):
            list(form.fields[name].choices)
    return [query["sql"] for query in read.captured_queries]


def test_a_kept_list_is_shown_reading_only_the_changes_to_its_tables_for_both_selects(demo, demo_users):
    _, action = demo_incident(demo, demo_users)
    first = _read_to_show(_form(demo, action))
    again = _read_to_show(_form(demo, action))

    assert len(first) == 3  # the changes to the lists' tables, then each list, kept
    assert len(again) == 1 and "core_change" in again[0]
    assert [label for _, label in _form(demo, action).fields["owner"].choices] == [
        "Nobody yet",
        *(str(user) for user in member_users(demo)),
    ]


def test_a_member_added_renamed_or_deactivated_shows_on_the_next_page(client_for, demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    client = client_for("coordinator")
    url = reverse("incidents:action", args=[incident.pk, action.pk])
    assert "Newcomer Person" not in client.get(url).content.decode()

    newcomer = MembershipFactory(partnership=demo, user__full_name="Newcomer Person").user
    assert "Newcomer Person" in client.get(url).content.decode()

    User.objects.filter(pk=newcomer.pk).update(full_name="Renamed Person")
    page = client.get(url).content.decode()
    assert "Renamed Person" in page and "Newcomer Person" not in page

    User.objects.filter(pk=newcomer.pk).update(is_active=False)
    assert "Renamed Person" not in client.get(url).content.decode()


def test_a_membership_ended_shows_on_the_next_form(demo, demo_users):
    member = MembershipFactory(partnership=demo, user__full_name="Leaving Person")
    assert "Leaving Person" in " ".join(_shown(demo))

    member.delete()
    assert "Leaving Person" not in " ".join(_shown(demo))


def test_an_organisation_renamed_shows_on_the_next_form(demo):
    organisation = demo.organisations.filter(is_active=True).first()
    assert organisation.name in _shown(demo, "owner_organisation")

    Organisation.objects.filter(pk=organisation.pk).update(name="Renamed Borough Council")
    shown = _shown(demo, "owner_organisation")
    assert "Renamed Borough Council" in shown and organisation.name not in shown


def test_a_list_kept_for_one_partnership_is_never_shown_to_another(demo, demo_users):
    other = PartnershipFactory()
    theirs = MembershipFactory(partnership=other, user__full_name="Someone Elsewhere")
    # Kept for the demo first, at the versions the other partnership's lists are read at too.
    assert str(demo_users["responder"]) in _shown(demo)
    assert _shown(demo, "owner_organisation")

    assert _shown(other) == ["Nobody yet", str(theirs.user)]
    assert _shown(other, "owner_organisation") == ["Nobody yet", str(theirs.organisation)]
    assert str(demo_users["responder"]) in _shown(demo)


def test_a_person_chosen_from_a_kept_list_who_has_since_left_is_refused(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    leaving = MembershipFactory(partnership=demo, user__full_name="Leaving Person")
    assert str(leaving.user) in _shown(demo)  # the list is kept with them in it
    leaving.delete()

    sent = {"status": action.status, "owner": leaving.user.pk, "revision": action.revision, "note": ""}
    form = ActionUpdateForm(
        sent, initial=initial_from(action, "revision"), partnership=demo, can_reassign=True
    )
    assert not form.is_valid() and "owner" in form.errors


def test_a_list_whose_labels_read_another_table_is_not_kept(demo, monkeypatch):
    # A field whose own labels (as its form makes it) read another table: its organisation's contacts.
    def contacts_counted(field, organisation) -> str:
        return f"{organisation.contacts.count()}"

    monkeypatch.setattr(ListedChoiceField, "label_from_instance", contacts_counted)
    field = _form(demo).fields["owner_organisation"]

    with pytest.raises(ImproperlyConfigured, match="owner_organisation"):
        list(field.choices)


def test_a_list_changed_after_the_form_was_made_is_read_not_kept(demo):
    form = _form(demo)
    OrganisationFactory(partnership=demo, name="Kept Aside")
    form.fields["owner_organisation"].queryset = Organisation.objects.filter(name="Kept Aside")

    assert [label for _, label in form.fields["owner_organisation"].choices] == ["Nobody yet", "Kept Aside"]


def test_a_list_relabelled_after_the_form_was_made_shows_its_own_labels_not_those_kept(demo):
    """The key names the form and field, not how its records are labelled: a form that labels a field its own
    way after it was made (as the need-to-know form labels people) is read, not shown another's labels."""
    plain = _shown(demo)
    form = _form(demo)
    form.fields["owner"].label_from_instance = lambda user: f"{user.full_name} <{user.email}>"
    relabelled = [label for _, label in form.fields["owner"].choices]

    assert relabelled[1:] == [f"{user.full_name} <{user.email}>" for user in member_users(demo)]
    assert relabelled[1:] != plain[1:]
    assert _shown(demo) == plain


def test_only_lists_of_rows_of_no_one_incident_are_kept(demo):
    from svtoolkit.core.kept_lists import tables_of
    from svtoolkit.incidents.models import PlanAction

    assert tables_of(member_users(demo)) == {"accounts_user", "accounts_membership"}
    assert tables_of(demo.organisations.filter(is_active=True)) == {"partnerships_organisation"}
    assert tables_of(PlanAction.objects.filter(incident__partnership=demo)) is None


def test_a_list_found_once_is_found_again_in_the_process_without_asking_the_cache(
    demo, demo_users, monkeypatch
):
    from django.core.cache import cache

    _, action = demo_incident(demo, demo_users)
    _read_to_show(_form(demo, action))  # both lists read, kept and remembered
    first = _shown(demo)
    asked = []
    monkeypatch.setattr(cache, "get_many", lambda keys: asked.append(keys) or {})

    again = _read_to_show(_form(demo, action))
    assert len(again) == 1 and "core_change" in again[0]
    assert _shown(demo) == first and asked == []

    MembershipFactory(partnership=demo, user__full_name="Newcomer Person")
    assert "Newcomer Person" in _shown(demo)  # a new version: asked for, not found, read
    assert len(asked) == 1


def test_a_process_remembers_only_so_many_lists_the_first_forgotten_first(demo, monkeypatch):
    from svtoolkit.core import kept_lists

    monkeypatch.setattr(kept_lists, "FOUND_HERE_MOST", 2)
    organisations, people = _shown(demo, "owner_organisation"), _shown(demo)  # the two lists of the form
    found = dict(kept_lists._found_here)
    assert [list(pairs)[0][1] for pairs in found.values()] == [organisations[1], people[1]]

    OrganisationFactory(partnership=demo, name="Newly Formed Trust")
    _shown(demo, "owner_organisation")

    assert len(kept_lists._found_here) == 2 and list(kept_lists._found_here)[0] == list(found)[1]
