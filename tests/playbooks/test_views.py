import pytest
from django.urls import reverse

from svtoolkit.core.errors import DomainError
from svtoolkit.partnerships.models import Contact
from svtoolkit.partnerships.services import deactivate_contact
from svtoolkit.playbooks import selectors, services
from svtoolkit.playbooks.models import ExerciseStatus, Item, PlaybookVersion, ReadinessRating
from tests.incidents.builders import recorded_incident
from tests.page_forms import form_on, refused_without_revision
from tests.playbooks.builders import colleague_of, draft_ended, first_item_of_a_new_draft, planned_exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(demo, demo_users):
    version = services.adopt_default_playbook(partnership=demo, by=demo_users["coordinator"])
    return version


@pytest.fixture
def published(draft, demo_users):
    return services.publish_draft(
        version=draft, by=demo_users["coordinator"], change_note="First", expected_revision=draft.revision
    )


def item_post(item, **changes):
    data = {
        "action": item.action,
        "guidance": item.guidance,
        "owner_kind": item.owner_kind,
        "timing": item.timing,
        "incident_types": item.incident_types,
        "categories": item.categories,
        "revision": item.revision,
    }
    if item.essential:
        data["essential"] = "on"
    data.update(changes)
    return data


def test_coordinator_adopts_the_default_checklist(client_for, demo):
    client = client_for("coordinator")
    assert "Copy the default checklist" in client.get(reverse("playbooks:playbook")).content.decode()
    response = client.post(reverse("playbooks:adopt"))
    assert response["Location"] == reverse("playbooks:draft")
    assert PlaybookVersion.objects.get(playbook__partnership=demo).is_draft


def test_bad_item_input_is_explained_and_changes_nothing(client_for, draft):
    item = draft.items.first()
    response = client_for("coordinator").post(
        reverse("playbooks:item_edit", args=[item.pk]),
        item_post(
            item, action="", timing="someday", incident_types=["spoons"], default_organisation="999999"
        ),
    )
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Enter the action" in content
    assert "Select a valid choice. someday is not one of the available choices." in content
    assert "Choose an organisation from the list" in content
    assert Item.objects.get(pk=item.pk).action == item.action


def test_before_an_incident_chosen_for_a_response_item_is_shown_on_its_field_and_saves_nothing(
    client_for, draft
):
    during = draft.items.filter(area__phase="during").order_by("pk").first()
    client = client_for("coordinator")
    for url in [
        reverse("playbooks:item_edit", args=[during.pk]),
        reverse("playbooks:item_add", args=[during.area.pk]),
    ]:
        response = client.post(url, item_post(during, action="Typed here", timing="preparation"))
        content = response.content.decode()
        assert response.status_code == 200
        assert 'href="#id_timing">“Before an incident” is only for the items done to prepare' in content
        assert 'value="Typed here"' in content
    assert not draft.items.filter(action="Typed here").exists()


def test_an_items_default_contact_must_work_for_its_default_organisation(client_for, demo, draft):
    item = draft.items.first()
    police, council = demo.organisations.get(kind="police"), demo.organisations.get(kind="council")
    contact = council.contacts.filter(is_active=True).first()
    response = client_for("coordinator").post(
        reverse("playbooks:item_edit", args=[item.pk]),
        item_post(item, default_organisation=police.pk, default_contact=contact.pk),
    )
    assert "Choose a contact who works for the default organisation" in response.content.decode()
    assert Item.objects.get(pk=item.pk).default_contact is None


def test_rewording_an_item_keeps_its_default_contact_taken_out_of_the_directory(
    client_for, demo, demo_users, draft
):
    """The defect: the contact list offered only active contacts, so rewording an item dropped its default
    contact who had been taken out of the directory."""
    item, other = draft.items.order_by("pk")[:2]
    contact = Contact.objects.filter(organisation__partnership=demo, is_active=True).first()
    fields = {field: getattr(item, field) for field in services.ITEM_FIELDS}
    fields.update(default_organisation=contact.organisation, default_contact=contact)
    services.update_item(item=item, by=demo_users["coordinator"], expected_revision=item.revision, **fields)
    deactivate_contact(contact=contact, expected_revision=contact.revision, by=demo_users["coordinator"])
    client = client_for("coordinator")
    page = client.get(reverse("playbooks:item_edit", args=[item.pk]))
    assert f"{contact} (no longer active)" in page.content.decode()

    reworded = form_on(page, having="action") | {"action": "Tell every partner what is known"}
    assert client.post(reverse("playbooks:item_edit", args=[item.pk]), reworded).status_code == 302
    item.refresh_from_db()
    assert (item.action, item.default_contact) == ("Tell every partner what is known", contact)

    # Given to another item, a contact out of the directory is refused as before.
    response = client.post(
        reverse("playbooks:item_edit", args=[other.pk]),
        item_post(other, default_organisation=contact.organisation_id, default_contact=contact.pk),
    )
    assert "Choose a contact from the list" in response.content.decode()
    assert Item.objects.get(pk=other.pk).default_contact is None


def test_an_item_a_lesson_changed_while_its_page_was_open_is_not_saved_over_unseen(client_for, draft):
    """A lesson accepted into the draft notes itself on the item: a coordinator who opened the item before is
    shown the conflict, with the lesson named, rather than saving as if nothing had changed."""
    item = draft.items.first()
    client = client_for("coordinator")
    url = reverse("playbooks:item_edit", args=[item.pk])
    typed = form_on(client.get(url), having="action") | {"action": "Typed before the lesson"}
    services.mark_item_changed_by_lesson(item=item, reference="Lesson 1: Tell the schools sooner")

    response = client.post(url, typed)
    content = response.content.decode()
    assert "Someone else changed this item while you were editing it" in content
    assert "Lesson 1: Tell the schools sooner" in content
    assert 'value="Typed before the lesson"' in content
    assert Item.objects.get(pk=item.pk).action != "Typed before the lesson"
    assert client.post(url, form_on(response, having="revision")).status_code == 302
    assert Item.objects.values_list("action", "lesson_reference").get(pk=item.pk) == (
        "Typed before the lesson",
        "Lesson 1: Tell the schools sooner",
    )


def test_an_item_saved_without_its_revision_keeps_a_colleagues_change(client_for, draft):
    item = draft.items.first()
    refused_without_revision(
        client_for("coordinator"),
        reverse("playbooks:item_edit", args=[item.pk]),
        first={"action": "Saved by a colleague"},
        second={"action": "Sent without the revision"},
        having="action",
    )
    assert Item.objects.get(pk=item.pk).action == "Saved by a colleague"


def test_simultaneous_edits_are_refused_and_nothing_typed_is_lost(client_for, draft):
    item = draft.items.first()
    client = client_for("coordinator")
    opened = item_post(item)
    client.post(reverse("playbooks:item_edit", args=[item.pk]), {**opened, "action": "Saved first"})
    response = client.post(
        reverse("playbooks:item_edit", args=[item.pk]), {**opened, "action": "Typed second"}
    )
    content = response.content.decode()
    assert "Someone else changed this item while you were editing it" in content
    assert 'value="Typed second"' in content  # what this person typed is still in the form
    assert "Saved first" in content  # and the other person's version is shown
    assert Item.objects.get(pk=item.pk).action == "Saved first"
    retry = client.post(
        reverse("playbooks:item_edit", args=[item.pk]),
        form_on(response, having="revision"),
    )
    assert retry.status_code == 302
    assert Item.objects.get(pk=item.pk).action == "Typed second"


def test_publishing_needs_a_change_note(client_for, published, demo):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    url = reverse("playbooks:publish")
    response = client.post(url, form_on(client.get(url), having="change_note") | {"change_note": ""})
    assert "Say briefly what changed" in response.content.decode()
    assert selectors.published_version(demo).number == 1
    client.post(url, form_on(client.get(url), having="change_note") | {"change_note": "Nothing much"})
    assert selectors.published_version(demo).number == 2


def test_a_draft_changed_after_its_publish_page_was_opened_is_not_published_unseen(
    client_for, published, demo
):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    url = reverse("playbooks:publish")
    reviewed = form_on(client.get(url), having="change_note")
    # Meanwhile a colleague rewords an item of the draft.
    item = selectors.draft_version(demo).items.first()
    item_url = reverse("playbooks:item_edit", args=[item.pk])
    client.post(item_url, form_on(client.get(item_url), having="action") | {"action": "Reworded meanwhile"})

    refused = client.post(url, reviewed | {"change_note": "Tightened the first hour"})
    page = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in page
    assert "Someone else changed this draft while you were editing it" in page
    assert "Tightened the first hour" in page and "Reworded meanwhile" in page
    assert selectors.published_version(demo).number == 1

    client.post(url, form_on(refused, having="change_note"))
    assert selectors.published_version(demo).number == 2
    assert selectors.published_version(demo).change_note == "Tightened the first hour"


def _reworded_in_the_draft(client, demo, action: str) -> None:
    """The coordinator rewords the draft's first item on its page (the draft's revision moves on once)."""
    item = selectors.draft_version(demo).items.order_by("pk").first()
    url = reverse("playbooks:item_edit", args=[item.pk])
    client.post(url, form_on(client.get(url), having="action") | {"action": action})


@pytest.mark.parametrize("then", ["discarded", "published"])
def test_a_publish_page_opened_on_an_earlier_draft_never_publishes_the_next_one(
    client_for, published, demo, then
):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    _reworded_in_the_draft(client, demo, "Reworded in the earlier draft")
    url = reverse("playbooks:publish")
    opened_on_the_earlier = form_on(client.get(url), having="change_note")
    if then == "discarded":
        client.post(reverse("playbooks:discard_draft"), {"draft": selectors.draft_version(demo).pk})
    else:
        client.post(url, form_on(client.get(url), having="change_note") | {"change_note": "Earlier draft"})
    # A new draft, changed as often as the earlier one had been when its page was opened.
    client.post(reverse("playbooks:start_draft"))
    _reworded_in_the_draft(client, demo, "Reworded in the next draft")
    before = selectors.published_version(demo)

    refused = client.post(url, opened_on_the_earlier | {"change_note": "Meant for the earlier draft"})
    page = refused.content.decode()
    assert refused.status_code == 200 and "Someone else changed this draft while you were editing it" in page
    assert "Reworded in the next draft" in page  # what would now be published is shown
    assert selectors.published_version(demo) == before and selectors.draft_version(demo).is_draft

    client.post(url, form_on(refused, having="change_note"))
    assert selectors.published_version(demo).change_note == "Meant for the earlier draft"


@pytest.fixture
def colleague(demo):
    return colleague_of(demo)


@pytest.mark.parametrize("then", ["published", "discarded", "discarded and the next started"])
def test_an_item_saved_after_a_colleague_published_or_discarded_the_draft_is_shown_again_as_typed(
    client_for, published, demo, colleague, then
):
    client = client_for("coordinator")
    item, change_url = first_item_of_a_new_draft(client, demo)
    add_url = reverse("playbooks:item_add", args=[item.area_id])
    changing = form_on(client.get(change_url), having="action") | {"action": "Reworded as they finished"}
    adding = form_on(client.get(add_url), having="action") | {
        "action": "Added as they finished",
        "guidance": "Typed at length",
    }
    told = draft_ended(demo, colleague, then)
    checklist = list(Item.objects.values_list("pk", "action", "revision"))

    for url, typed in [(change_url, changing), (add_url, adding)]:
        response = client.post(url, typed)
        page = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in page
        assert told in page
        assert f'value="{typed["action"]}"' in page
    assert "Typed at length" in page
    assert list(Item.objects.values_list("pk", "action", "revision")) == checklist


@pytest.mark.parametrize("then", ["published", "discarded"])
def test_a_publish_page_sent_after_a_colleague_published_or_discarded_the_draft_says_so_and_keeps_the_note(
    client_for, published, demo, colleague, then
):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    url = reverse("playbooks:publish")
    opened = form_on(client.get(url), having="change_note") | {"change_note": "Tightened the first hour"}
    told = draft_ended(demo, colleague, then)
    versions = list(PlaybookVersion.objects.values_list("pk", "status", "change_note", "published_by"))

    response = client.post(url, opened)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert told in page and "Tightened the first hour" in page
    assert "is published" not in page
    assert (
        list(PlaybookVersion.objects.values_list("pk", "status", "change_note", "published_by")) == versions
    )


def test_partners_and_viewers_read_but_cannot_change_the_checklist(client_for, published):
    draft = services.start_draft(playbook=published.playbook, by=published.published_by)
    item = draft.items.first()
    for role in ("police", "viewer"):
        client = client_for(role)
        page = client.get(reverse("playbooks:playbook")).content.decode()
        assert published.items.first().action in page
        assert "Change the checklist" not in page
        assert (
            client.post(
                reverse("playbooks:item_edit", args=[item.pk]), item_post(item, action="X")
            ).status_code
            == 403
        )
        assert client.post(reverse("playbooks:publish"), {"change_note": "x"}).status_code == 403
        client.logout()
    assert Item.objects.get(pk=item.pk).action == item.action
    assert draft.is_draft


def test_another_partnerships_checklist_is_not_found(client_for, other_partnership):
    partnership, foreign_coordinator = other_partnership
    foreign = services.adopt_default_playbook(partnership=partnership, by=foreign_coordinator.user)
    client = client_for("coordinator")
    item = foreign.items.first()
    assert client.get(reverse("playbooks:item_edit", args=[item.pk])).status_code == 404
    assert client.post(reverse("playbooks:item_retire", args=[item.pk]), {"retire": "yes"}).status_code == 404
    assert client.get(reverse("playbooks:version", args=[1])).status_code == 404
    assert not Item.objects.get(pk=item.pk).retired


def test_checklist_page_queries_stay_flat(client_for, published, django_assert_max_num_queries):
    client = client_for("viewer")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("playbooks:playbook"))
    # Every item of the published checklist is a row of its area's task list.
    assert response.content.decode().count('class="govuk-task-list__item"') >= 80


def test_rating_not_ready_needs_a_next_step(client_for, published, demo):
    client = client_for("responder")
    client.post(reverse("playbooks:assessment_start"))
    rating = ReadinessRating.objects.first()
    url = reverse("playbooks:rating_edit", args=[rating.assessment_id, rating.pk])
    response = client.post(
        url, {"status": "in_progress", "target_date": "2027-02-30", "revision": rating.revision}
    )
    content = response.content.decode()
    assert "Say what the next step is" in content
    assert "The target date must be a real date" in content
    assert ReadinessRating.objects.get(pk=rating.pk).status == "not_started"
    client.post(url, {"status": "ready", "evidence": "Signed protocol", "revision": rating.revision})
    assert ReadinessRating.objects.get(pk=rating.pk).status == "ready"


def test_assessment_pages_queries_stay_flat(client_for, published, demo, django_assert_max_num_queries):
    client = client_for("coordinator")
    client.post(reverse("playbooks:assessment_start"))
    assessment = selectors.latest_assessment(demo)
    for name in ("playbooks:readiness",):
        with django_assert_max_num_queries(15):
            client.get(reverse(name))
    for name in ("playbooks:assessment", "playbooks:assessment_report"):
        with django_assert_max_num_queries(15):
            client.get(reverse(name, args=[assessment.pk]))


def test_exercise_form_explains_missing_answers(client_for, published):
    response = client_for("coordinator").post(reverse("playbooks:exercise_start"), {"title": "Lantern"})
    content = response.content.decode()
    for message in [
        "Describe the scenario",
        "Choose at least one incident type",
        "Enter the date of the exercise",
    ]:
        assert message in content
    assert 'value="Lantern"' in content


def test_an_exercise_is_held_once_its_incident_is_recorded_and_one_called_off_is_cancelled(
    client_for, published, demo, demo_users
):
    """The defect: an exercise stayed "Planned" for ever, run or called off, as nothing ever changed its
    status."""
    coordinator = demo_users["coordinator"]
    run, called_off = planned_exercise(demo, coordinator), planned_exercise(demo, coordinator, title="Beacon")
    client = client_for("responder")
    recorded_incident(demo, coordinator, exercise=run)
    page = client.get(reverse("playbooks:exercise", args=[called_off.pk])).content.decode()
    assert "Cancel this exercise" in page

    client.post(reverse("playbooks:exercise_cancel", args=[called_off.pk]))

    run.refresh_from_db()
    called_off.refresh_from_db()
    assert (run.status, called_off.status) == (ExerciseStatus.HELD, ExerciseStatus.CANCELLED)
    listed = client.get(reverse("playbooks:exercises")).content.decode()
    assert "Planned" not in listed
    cancelled = client.get(reverse("playbooks:exercise", args=[called_off.pk])).content.decode()
    assert "Record the exercise incident" not in cancelled
    with pytest.raises(DomainError, match="cancelled"):
        recorded_incident(demo, coordinator, exercise=called_off)
    with pytest.raises(DomainError, match="held"):
        services.cancel_exercise(exercise=run, by=coordinator)


def test_home_page_shows_readiness_to_those_who_plan(client_for, published, demo):
    client = client_for("responder")
    client.post(reverse("playbooks:assessment_start"))
    home = client.get(reverse("core:home")).content.decode()
    assert "% ready, with" in home
    client.logout()
    assert "Readiness</h2>" not in client_for("police").get(reverse("core:home")).content.decode()


@pytest.mark.parametrize(
    "posted, saved", [("99999999999999999999", True), ("-1", True), ("", True), ("²", False)]
)
def test_an_item_change_naming_no_draft_a_record_could_be_is_saved_or_shown_again_never_an_error(
    client_for, published, demo, posted, saved
):
    client = client_for("coordinator")
    item, url = first_item_of_a_new_draft(client, demo)
    typed = form_on(client.get(url), having="action") | {"action": "Reworded", "draft": posted}

    response = client.post(url, typed)

    item.refresh_from_db()
    assert (response.status_code, item.action == "Reworded") == ((302, True) if saved else (200, False))


@pytest.mark.parametrize("page", ["item_edit", "item_add", "item_retire", "discard_draft"])
def test_a_draft_field_of_thousands_of_digits_is_answered_never_a_server_error(
    client_for, published, demo, page
):
    """The defect: the hidden ``draft`` field was read with ``int`` once it was all digits, which fails past
    4,300 of them (Python's limit on reading a number): a server error on every page sending it. Now it is
    measured first: so long a number names no draft, as any id no record can have, and the draft stays."""
    client = client_for("coordinator")
    item, _ = first_item_of_a_new_draft(client, demo)
    url = {
        "item_edit": reverse("playbooks:item_edit", args=[item.pk]),
        "item_add": reverse("playbooks:item_add", args=[item.area_id]),
        "item_retire": reverse("playbooks:item_retire", args=[item.pk]),
        "discard_draft": reverse("playbooks:discard_draft"),
    }[page]

    response = client.post(url, item_post(item, draft="9" * 5000, retire="yes"))

    assert response.status_code in (200, 302)
    assert selectors.draft_version(demo) == item.version


@pytest.mark.parametrize("then", ["published", "discarded", "discarded and the next started"])
def test_an_item_retired_after_a_colleague_published_or_discarded_the_draft_says_so(
    client_for, published, demo, colleague, then
):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    draft_page = client.get(reverse("playbooks:draft"))
    retiring = form_on(draft_page, having="retire")  # the draft page's first Retire button
    item = selectors.draft_version(demo).items.order_by("area__position", "position").first()
    told = draft_ended(demo, colleague, then)
    checklist = list(Item.objects.values_list("pk", "retired", "revision"))

    response = client.post(reverse("playbooks:item_retire", args=[item.pk]), retiring, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert told in page
    assert "was retired" not in page
    assert list(Item.objects.values_list("pk", "retired", "revision")) == checklist


def test_discarding_a_draft_asks_first_naming_the_draft_and_what_would_be_lost(client_for, published, demo):
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    _reworded_in_the_draft(client, demo, "Reworded in version 2")
    draft_page = client.get(reverse("playbooks:draft")).content.decode()
    assert "Discard draft version 2" in draft_page

    asked = client.get(reverse("playbooks:discard_draft"))
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Discard draft version 2?" in page and "Reworded in version 2" in page
    assert selectors.draft_version(demo).number == 2  # asking discards nothing

    discarded = client.post(reverse("playbooks:discard_draft"), form_on(asked, having="draft"), follow=True)
    assert "Draft version 2 was discarded." in discarded.content.decode()
    assert selectors.draft_version(demo) is None


@pytest.mark.parametrize("then", ["published and the next started", "discarded and the next started"])
def test_a_discard_confirmed_after_a_colleague_ended_that_draft_leaves_the_next_one_alone(
    client_for, published, demo, colleague, then
):
    """The confirmation names the draft it was opened on: sent once a colleague has published or discarded it
    and started the next, it says so and discards nothing (it used to discard whichever draft there was)."""
    client = client_for("coordinator")
    client.post(reverse("playbooks:start_draft"))
    asked = client.get(reverse("playbooks:discard_draft"))
    told = draft_ended(demo, colleague, then)
    following = selectors.draft_version(demo)

    response = client.post(reverse("playbooks:discard_draft"), form_on(asked, having="draft"), follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert told in page
    assert selectors.draft_version(demo) == following
