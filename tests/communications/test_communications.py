import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.communications import selectors, services
from svtoolkit.communications.models import CommunicationsPlan, Message, MessageStatus
from svtoolkit.core.datetimes import days_later_on_the_clock
from svtoolkit.core.errors import DomainError
from svtoolkit.incidents import services as incident_services
from svtoolkit.incidents.models import Incident
from svtoolkit.incidents.people import services as people_services
from tests.communications.builders import demo_message
from tests.incidents.builders import demo_incident
from tests.page_forms import form_on, refused_without_revision, saved_from_two_pages
from tests.recovery.test_after import closed

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(demo, demo_users):
    return demo_incident(demo, demo_users)[0]


@pytest.fixture
def press_statement(demo, demo_users, incident):
    council = demo.organisations.get(kind="council")
    incident_services.add_participant(
        incident=incident, organisation=council, contact=None, by=demo_users["responder"]
    )
    approvers = [demo.organisations.get(kind="police"), council]
    return demo_message(demo, demo_users, incident, approvers=approvers)


def test_messages_sign_offs_and_monitoring_notes_are_dated_with_their_year(
    client_for, demo, demo_users, incident
):
    """The defect: the communications page gave a message's planned time and a monitoring note's time, and a
    message's page the family's agreement and each sign-off, as day, month and time only, ambiguous for an
    incident running over a new year."""
    message = demo_message(demo, demo_users, incident)
    note = services.add_monitoring_note(
        incident=incident,
        by=demo_users["responder"],
        source="Local Facebook group",
        summary="Posts blaming the school",
        is_rumour=True,
        response="",
    )
    Message.objects.filter(pk=message.pk).update(planned_for=timezone.make_aware(datetime(2026, 1, 2, 9, 0)))
    type(note).objects.filter(pk=note.pk).update(noted_at=timezone.make_aware(datetime(2025, 12, 31, 22, 15)))
    page = client_for("responder").get(reverse("communications:overview", args=[incident.pk]))
    content = page.content.decode()
    assert '<td class="govuk-table__cell">2 Jan 2026 09:00</td>' in content
    assert "31 Dec 2025 22:15, Local Facebook group: Posts blaming the school" in content

    agreed = timezone.make_aware(datetime(2025, 12, 31, 18, 5))
    Message.objects.filter(pk=message.pk).update(names_or_images=True, family_agreed_at=agreed)
    message.sign_offs.update(signed_at=agreed, signed_by=demo_users["police"])
    page = client_for("responder").get(reverse("communications:message", args=[incident.pk, message.pk]))
    content = page.content.decode()
    assert "Recorded 31 Dec 2025 18:05" in content
    assert f"31 Dec 2025 18:05 by {demo_users['police'].full_name}" in content


def test_a_press_statement_cannot_be_published_before_every_approver_signs(press_statement, demo_users):
    responder = demo_users["responder"]
    with pytest.raises(DomainError, match="every approver"):
        services.publish(message=press_statement, by=responder)
    services.submit_for_sign_off(message=press_statement, by=responder)
    police = press_statement.sign_offs.get(organisation__kind="police")
    council = press_statement.sign_offs.get(organisation__kind="council")
    services.sign_off(sign_off=police, by=demo_users["police"], comment="Fine to go")
    with pytest.raises(DomainError, match="still waiting for: Northbridge Council"):
        services.publish(message=press_statement, by=responder)
    services.sign_off(sign_off=council, by=responder)
    press_statement.refresh_from_db()
    assert press_statement.status == MessageStatus.APPROVED
    services.publish(message=press_statement, by=responder)
    press_statement.refresh_from_db()
    assert press_statement.status == MessageStatus.PUBLISHED
    trail = list(
        press_statement.incident.timeline.filter(text__contains=press_statement.title).values_list(
            "text", flat=True
        )
    )
    assert any("signed off for Metropolitan Police" in text for text in trail)


def test_naming_someone_needs_the_family_to_agree(incident, demo, demo_users):
    message = demo_message(demo, demo_users, incident)
    Message.objects.filter(pk=message.pk).update(names_or_images=True)
    message.refresh_from_db()
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    services.sign_off(sign_off=message.sign_offs.get(), by=demo_users["police"])
    message.refresh_from_db()
    with pytest.raises(DomainError, match="family"):
        services.publish(message=message, by=demo_users["responder"])
    services.record_family_agreement(
        message=message, by=demo_users["responder"], note="Agreed with the mother via the FLO"
    )
    services.publish(message=message, by=demo_users["responder"])


def test_only_the_approver_organisation_signs_and_only_once(client_for, press_statement, demo_users):
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    council = press_statement.sign_offs.get(organisation__kind="council")
    police = press_statement.sign_offs.get(organisation__kind="police")
    url = reverse("communications:sign", args=[press_statement.incident_id, press_statement.pk, council.pk])
    assert client_for("police").post(url).status_code == 403
    council.refresh_from_db()
    assert council.signed_at is None
    client = client_for("police")
    police_url = reverse(
        "communications:sign", args=[press_statement.incident_id, press_statement.pk, police.pk]
    )
    assert client.post(police_url, {"comment": "OK"}).status_code == 302
    with pytest.raises(DomainError, match="already signed"):
        police.refresh_from_db()
        services.sign_off(sign_off=police, by=demo_users["police"])


def _weekly_updates_by_the_responder(
    incident, demo, demo_users, *, lead="council", every_days=7, by="responder", expected_revision=1
):
    """The plan saved (by the responder, unless ``by``): the council leads (or ``lead``), with an update every
    week (or ``every_days``) that the responder is reminded of."""
    return services.set_plan(
        incident=incident,
        by=demo_users[by],
        lead_organisation=demo.organisations.get(kind=lead),
        main_channel="Council website",
        update_every_days=every_days,
        updates_owner=demo_users["responder"],
        expected_revision=expected_revision,
    )


def test_publishing_moves_the_next_phased_update(incident, demo, demo_users):
    _weekly_updates_by_the_responder(incident, demo, demo_users)
    message = demo_message(demo, demo_users, incident)
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    services.sign_off(sign_off=message.sign_offs.get(), by=demo_users["police"])
    message.refresh_from_db()
    services.publish(message=message, by=demo_users["responder"])
    plan = incident.communications
    plan.refresh_from_db()
    assert plan.next_update_due == days_later_on_the_clock(message.published_at, 7)


def test_a_weekly_update_falls_due_at_the_same_time_on_the_clock_across_the_clock_change(
    client_for, demo, demo_users, time_machine
):
    """The defect: the next regular update was due a whole number of 24 hours on, so a weekly plan agreed (or
    a statement published) at 10:00 on Friday 24 October 2025, in summer time, fell due at 09:00 the next
    Friday once the clocks had gone back, and its reminder came an hour early (an hour late in spring). Now
    it is due a week on at the same time on the clock, as a meeting series and the checklist count a week."""
    friday_ten = timezone.make_aware(datetime(2025, 10, 24, 10, 0))
    week_on_at_ten = timezone.make_aware(datetime(2025, 10, 31, 10, 0))
    time_machine.move_to(friday_ten - timedelta(hours=2), tick=False)
    incident = demo_incident(demo, demo_users)[0]
    time_machine.move_to(friday_ten, tick=False)
    plan = _weekly_updates_by_the_responder(incident, demo, demo_users)
    assert plan.next_update_due == week_on_at_ten
    time_machine.move_to(friday_ten + timedelta(days=1), tick=False)
    moved_on_to(demo_message(demo, demo_users, incident), MessageStatus.PUBLISHED, demo_users)
    plan.refresh_from_db()
    assert plan.next_update_due == timezone.make_aware(datetime(2025, 11, 1, 10, 0))
    page = client_for("responder").get(reverse("communications:overview", args=[incident.pk]))
    assert "next due 1 Nov 2025 10:00" in page.content.decode()


def test_two_people_saving_the_plan_at_once_keep_both_changes(client_for, incident, demo):
    url = reverse("communications:plan", args=[incident.pk])
    client = client_for("responder")
    council = demo.organisations.get(kind="council")
    first_ever = form_on(client.get(url), having="revision") | {"lead_organisation": str(council.pk)}
    also_first = form_on(client.get(url), having="revision") | {"lead_organisation": str(council.pk)}
    client.post(url, first_ever | {"main_channel": "Council website"})
    refused = client.post(url, also_first | {"main_channel": "Police X account"})
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    assert incident.communications.main_channel == "Council website"

    police = demo.organisations.get(kind="police")
    saved_from_two_pages(
        client,
        url,
        first={"main_channel": "Council website and X"},
        second={"lead_organisation": str(police.pk)},
    )
    plan = incident.communications
    plan.refresh_from_db()
    assert (plan.main_channel, plan.lead_organisation) == ("Council website and X", police)


def test_a_plan_saved_without_its_revision_keeps_a_colleagues_change(client_for, incident, demo):
    url = reverse("communications:plan", args=[incident.pk])
    client = client_for("responder")
    council = demo.organisations.get(kind="council")
    client.post(url, form_on(client.get(url), having="revision") | {"lead_organisation": str(council.pk)})
    refused_without_revision(
        client, url, first={"main_channel": "Council website"}, second={"main_channel": "Police X account"}
    )
    plan = incident.communications
    plan.refresh_from_db()
    assert plan.main_channel == "Council website"


def test_a_closed_incident_offers_no_change_to_its_communications(client_for, press_statement, demo_users):
    from tests.recovery.test_after import closed

    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    incident = press_statement.incident
    closed(incident, demo_users["responder"])
    overview = client_for("responder").get(reverse("communications:overview", args=[incident.pk]))
    for offered in ["message_add", "plan", "note_add"]:
        assert reverse(f"communications:{offered}", args=[incident.pk]) not in overview.content.decode()
    message = [incident.pk, press_statement.pk]
    page = client_for("responder").get(reverse("communications:message", args=message)).content.decode()
    for offered in ["publish", "withdraw"]:
        assert reverse(f"communications:{offered}", args=message) not in page
    police, for_police = client_for("police"), press_statement.sign_offs.get(organisation__kind="police")
    sign = reverse("communications:sign", args=[*message, for_police.pk])
    assert sign not in police.get(reverse("communications:message", args=message)).content.decode()
    assert police.post(sign, {"comment": ""}).status_code == 403  # what the offer would have led to


def test_publish_button_refusal_is_explained_on_the_page(client_for, press_statement):
    client = client_for("responder")
    url = reverse("communications:publish", args=[press_statement.incident_id, press_statement.pk])
    page = client.post(url, follow=True).content.decode()
    assert "It cannot be published until every approver has signed it off" in page
    press_statement.refresh_from_db()
    assert press_statement.status == MessageStatus.DRAFT


def test_drafting_needs_approvers_and_keeps_what_was_typed(client_for, incident):
    response = client_for("responder").post(
        reverse("communications:message_add", args=[incident.pk]),
        {"kind": "holding", "title": "Holding line", "body": "", "planned_for": "2026-11-25T18:00"},
    )
    content = response.content.decode()
    assert "Choose at least one organisation to sign it off" in content and "Enter the text" in content
    assert 'value="Holding line"' in content
    assert not Message.objects.exists()


def test_rumours_are_noted_with_what_was_done(client_for, incident):
    client_for("police").post(
        reverse("communications:note_add", args=[incident.pk]),
        {
            "source": "Neighbourhood group chat",
            "summary": "Claim the attacker was released",
            "is_rumour": "on",
            "response": "Police statement corrects it",
        },
    )
    note = incident.monitoring_notes.get()
    assert note.is_rumour and note.response == "Police statement corrects it"
    assert incident.timeline.filter(text__startswith="Rumour to counter").exists()


def test_the_owner_is_reminded_when_the_next_update_is_due(incident, demo, demo_users):
    from django.core import mail
    from django.utils import timezone

    from svtoolkit.communications.models import CommunicationsPlan
    from svtoolkit.communications.tasks import send_update_reminders
    from svtoolkit.messaging.delivery import deliver_due

    _weekly_updates_by_the_responder(incident, demo, demo_users)
    assert send_update_reminders.enqueue().return_value == 0  # not due yet
    CommunicationsPlan.objects.update(next_update_due=timezone.now() - timedelta(minutes=1))
    assert send_update_reminders.enqueue().return_value == 1
    deliver_due()
    assert mail.outbox[-1].to == ["responder@example.org"]
    assert send_update_reminders.enqueue().return_value == 0  # once a day


def test_changing_the_plan_but_not_its_rhythm_keeps_when_the_next_update_is_due(incident, demo, demo_users):
    import time_machine

    from svtoolkit.communications.models import CommunicationsPlan
    from svtoolkit.communications.tasks import send_update_reminders

    _weekly_updates_by_the_responder(incident, demo, demo_users)
    plan = CommunicationsPlan.objects.get()
    due = plan.next_update_due
    with time_machine.travel(due + timedelta(days=1), tick=False):
        # The update is a day overdue; the police take over communications, weekly as before.
        plan = _weekly_updates_by_the_responder(
            incident, demo, demo_users, lead="police", by="coordinator", expected_revision=plan.revision
        )
        assert plan.next_update_due == due  # still overdue, not put off a week
        assert send_update_reminders.enqueue().return_value == 1

        plan = _weekly_updates_by_the_responder(
            incident, demo, demo_users, every_days=3, by="coordinator", expected_revision=plan.revision
        )
        assert plan.next_update_due == days_later_on_the_clock(timezone.now(), 3)  # a new rhythm: from now


def test_an_updates_owner_who_left_the_partnership_is_not_reminded(incident, demo, demo_users):
    from django.utils import timezone

    from svtoolkit.accounts.services import remove_member
    from svtoolkit.communications.models import CommunicationsPlan
    from svtoolkit.communications.tasks import send_update_reminders

    _weekly_updates_by_the_responder(incident, demo, demo_users)
    CommunicationsPlan.objects.update(next_update_due=timezone.now() - timedelta(minutes=1))
    remove_member(
        membership=demo_users["responder"].memberships.get(partnership=demo), by=demo_users["coordinator"]
    )
    assert send_update_reminders.enqueue().return_value == 0


def test_the_plan_says_nobody_is_reminded_once_its_updates_owner_has_left_the_partnership(
    client_for, incident, demo, demo_users
):
    """The defect: the communications page still said the owner who had left the partnership "is reminded"
    of the regular update, though the reminders skip them, so nobody was. Now it says nobody is reminded,
    and why, to name someone else."""
    from svtoolkit.accounts.services import remove_member

    _weekly_updates_by_the_responder(incident, demo, demo_users)
    remove_member(
        membership=demo_users["responder"].memberships.get(partnership=demo), by=demo_users["coordinator"]
    )
    page = client_for("coordinator").get(reverse("communications:overview", args=[incident.pk]))
    content = " ".join(page.content.decode().split())
    assert f"{demo_users['responder'].full_name} is reminded" not in content
    assert "nobody is reminded" in content


def test_an_updates_owner_who_cannot_see_the_incident_is_refused_on_the_plan(
    client_for, incident, demo, demo_users
):
    """The defect: a partner whose organisation does not take part in the incident could be named to be
    reminded of its updates, and the plan said they were, but they can never be told of it, so nobody was.
    Now the choice is refused on its field, keeping what was typed."""
    health = demo_users["health"]
    with pytest.raises(DomainError) as refused:
        services.set_plan(
            incident=incident,
            by=demo_users["responder"],
            lead_organisation=demo.organisations.get(kind="council"),
            main_channel="Council website",
            update_every_days=7,
            updates_owner=health,
            expected_revision=1,
        )
    assert refused.value.field == "updates_owner"
    client = client_for("responder")
    url = reverse("communications:plan", args=[incident.pk])
    page = client.post(
        url,
        form_on(client.get(url), having="revision")
        | {
            "lead_organisation": demo.organisations.get(kind="council").pk,
            "main_channel": "Council website",
            "update_every_days": "7",
            "updates_owner": health.pk,
        },
    )
    assert page.status_code == 200 and "cannot see this incident" in page.content.decode()
    assert not CommunicationsPlan.objects.exists()


def test_the_home_page_lists_the_statements_awaiting_ones_own_organisation_behind_twenty_of_others(
    demo, demo_users, incident, press_statement
):
    responder = demo_users["responder"]
    for _ in range(20):
        services.submit_for_sign_off(message=demo_message(demo, demo_users, incident), by=responder)
    services.submit_for_sign_off(message=press_statement, by=responder)
    Message.objects.filter(pk=press_statement.pk).update(planned_for=timezone.now() + timedelta(days=1))
    section = selectors.sign_offs_home_section(user=demo_users["coordinator"], partnership=demo)
    assert section is not None
    assert [sign_off.message_id for sign_off, _ in section["sign_offs"]] == [press_statement.pk]


@pytest.mark.parametrize(("role", "readings"), [("viewer", 0), ("responder", 10)])
def test_the_messages_list_asks_the_same_queries_for_one_message_naming_someone_or_ten(
    client_for, demo, demo_users, incident, django_assert_max_num_queries, role, readings
):
    """Whether the person reads the incident's people is asked once, not once a message. The defect: for
    someone who may read them (the responder, on the need-to-know list), the page wrote its audit entry for
    each message naming someone by a statement of its own. Now every reading is still written, one entry a
    message, in one statement for the list."""
    responder = demo_users["responder"]
    people_services.add_to_need_to_know(incident=incident, user=responder, by=responder)
    client = client_for(role)
    overview = reverse("communications:overview", args=[incident.pk])
    _restricted_message(demo, demo_users, incident)
    client.get(overview)
    with django_assert_max_num_queries(100) as one:
        assert client.get(overview).status_code == 200
    for _ in range(9):
        _restricted_message(demo, demo_users, incident)
    read = AuditEntry.objects.filter(action=AuditAction.VIEW_SENSITIVE, target_type="communications.Message")
    before = read.count()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(overview).status_code == 200
    assert read.count() - before == readings


def test_the_sign_off_trail_is_shown(client_for, press_statement, demo_users):
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    police = press_statement.sign_offs.get(organisation__kind="police")
    services.sign_off(sign_off=police, by=demo_users["police"], comment="Agreed with the SIO")
    page = (
        client_for("viewer")
        .get(reverse("communications:message", args=[press_statement.incident_id, press_statement.pk]))
        .content.decode()
    )
    assert "by Pat Hughes: Agreed with the SIO" in page
    assert 'Northbridge Council Community Safety Team</td><td class="govuk-table__cell">Not yet' in page
    assert "Sign off for" not in page  # a viewer signs nothing


def test_two_people_signing_for_one_organisation_at_once_keep_the_first_signature(
    press_statement, demo_users
):
    from svtoolkit.communications.models import SignOff

    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    police = press_statement.sign_offs.get(organisation__kind="police")
    opened_by_a_colleague = SignOff.objects.get(pk=police.pk)  # a second page, opened before the first signed
    services.sign_off(sign_off=police, by=demo_users["police"], comment="Agreed with the SIO")
    with pytest.raises(DomainError, match="has already signed this off"):
        services.sign_off(sign_off=opened_by_a_colleague, by=demo_users["police"], comment="Also fine")
    police.refresh_from_db()
    assert police.comment == "Agreed with the SIO"


def test_a_sign_off_refused_as_a_colleague_signed_first_keeps_the_comment_typed(
    client_for, press_statement, demo_users
):
    """The defect: the page went back to the message with the refusal as a banner, the comment typed lost."""
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    police = press_statement.sign_offs.get(organisation__kind="police")
    url = reverse("communications:sign", args=[press_statement.incident_id, press_statement.pk, police.pk])
    client = client_for("police")
    assert client.post(url, {"comment": "Agreed with the SIO"}).status_code == 302
    typed = "The SIO asks that the victim's age is taken out"
    page = client.post(url, {"comment": typed})

    assert page.status_code == 200
    text = page.content.decode()
    assert "has already signed this off" in text and "govuk-error-summary" in text
    assert typed.replace("'", "&#x27;") in text
    police.refresh_from_db()
    assert police.comment == "Agreed with the SIO"


def test_the_familys_agreement_is_recorded_once(incident, demo, demo_users):
    message = demo_message(demo, demo_users, incident)
    Message.objects.filter(pk=message.pk).update(names_or_images=True)
    opened_on_another_page = Message.objects.get(pk=message.pk)
    services.record_family_agreement(message=message, by=demo_users["responder"], note="Agreed via the FLO")
    with pytest.raises(DomainError, match="recorded already"):
        services.record_family_agreement(
            message=opened_on_another_page, by=demo_users["responder"], note="Mother agreed by phone"
        )
    message.refresh_from_db()
    assert message.family_agreement_note == "Agreed via the FLO"


def test_a_draft_changed_after_the_family_agreed_needs_their_agreement_again(demo, demo_users, incident):
    """They agreed to the text they were read, not to the one it became."""
    responder = demo_users["responder"]
    message = _restricted_message(demo, demo_users, incident)
    services.record_family_agreement(message=message, by=responder, note="Agreed to the first text")
    message.refresh_from_db()
    unchanged = {name: getattr(message, name) for name in services.MESSAGE_FIELDS}
    police = [demo.organisations.get(kind="police")]
    services.revise_draft(
        message=message, by=responder, expected_revision=message.revision, approvers=police, **unchanged
    )
    message.refresh_from_db()
    assert message.family_agreed_at is not None  # saved as it was: the agreement stands
    services.revise_draft(
        message=message,
        by=responder,
        expected_revision=message.revision,
        approvers=police,
        **{**unchanged, "body": "Jay Smith's family thanks everyone, with a photograph of Jay."},
    )
    services.submit_for_sign_off(message=message, by=responder)
    services.sign_off(sign_off=message.sign_offs.get(), by=demo_users["police"])
    message.refresh_from_db()
    assert message.family_agreed_at is None and message.family_agreement_note == ""
    with pytest.raises(DomainError, match="family"):
        services.publish(message=message, by=responder)
    assert incident.timeline.filter(text__contains="the family's agreement is needed again").exists()


def _changed_by_a_colleague(demo, message, *, by, body):
    """``message``'s draft given the text ``body`` by someone else while its page was open."""
    services.revise_draft(
        message=message,
        by=by,
        expected_revision=message.revision,
        approvers=[demo.organisations.get(kind="police")],
        **{name: getattr(message, name) for name in services.MESSAGE_FIELDS} | {"body": body},
    )


def test_the_familys_agreement_is_not_recorded_to_a_draft_changed_since_they_were_read_it(
    client_for, demo, demo_users, incident
):
    """The family liaison officer reads the family the text on the page; a colleague changes it meanwhile."""
    responder = demo_users["responder"]
    message = _restricted_message(demo, demo_users, incident)
    client = client_for("responder")
    shown = reverse("communications:message", args=[incident.pk, message.pk])
    agreement = reverse("communications:family_agreement", args=[incident.pk, message.pk])
    read_to_the_family = form_on(client.get(shown), having="note") | {"note": "Mother agreed by phone"}
    _changed_by_a_colleague(
        demo, message, by=responder, body="Jay Smith's family thanks everyone and asks for privacy."
    )
    page = client.post(agreement, read_to_the_family)
    content = page.content.decode()
    assert page.status_code == 200 and "changed since you opened it" in content
    assert "Mother agreed by phone" in content and "asks for privacy" in content
    message.refresh_from_db()
    assert message.family_agreed_at is None

    # Read the text as it is now, they agree: recorded from the page shown with the refusal.
    assert client.post(agreement, form_on(page, having="note")).status_code == 302
    message.refresh_from_db()
    assert (message.family_agreement_note, message.family_agreed_at is not None) == (
        "Mother agreed by phone",
        True,
    )


def test_a_familys_agreement_refused_for_its_note_still_says_the_text_changed_since_they_were_read_it(
    client_for, demo, demo_users, incident
):
    """The defect: sent with the note left empty after a colleague changed the draft, the page said only that
    the note was missing and silently carried the new text's revision, so the next send recorded the family's
    agreement to a text they were never read. Now the page says the text changed too, shows it, and its form
    carries the revision of the text it shows."""
    responder = demo_users["responder"]
    message = _restricted_message(demo, demo_users, incident)
    client = client_for("responder")
    shown = reverse("communications:message", args=[incident.pk, message.pk])
    agreement = reverse("communications:family_agreement", args=[incident.pk, message.pk])
    read_to_the_family = form_on(client.get(shown), having="note")
    _changed_by_a_colleague(demo, message, by=responder, body="Jay Smith's family blames the school.")
    page = client.post(agreement, read_to_the_family | {"note": ""})
    content = page.content.decode()
    assert page.status_code == 200 and "Say how the family agreed" in content
    assert "changed since you opened it" in content and "blames the school" in content
    message.refresh_from_db()
    assert form_on(page, having="note")["revision"] == str(message.revision) != read_to_the_family["revision"]
    assert message.family_agreed_at is None


def test_a_familys_agreement_sent_without_the_text_it_was_read_is_refused_again_when_sent_again(
    client_for, demo, demo_users, incident
):
    """The defect: the page refusing a post that did not say which text the family was read carried the
    message's revision as it was when drawn, so sending it again recorded their agreement to whatever text was
    stored then. Now the page carries what was sent: it is refused again until the message is opened anew."""
    message = _restricted_message(demo, demo_users, incident)
    client = client_for("responder")
    shown = reverse("communications:message", args=[incident.pk, message.pk])
    agreement = reverse("communications:family_agreement", args=[incident.pk, message.pk])
    sent = form_on(client.get(shown), having="note") | {"note": "Mother agreed by phone"}
    del sent["revision"]
    sent_again = form_on(client.post(agreement, sent), having="note")
    assert sent_again["revision"] == ""
    client.post(agreement, sent_again)
    message.refresh_from_db()
    assert message.family_agreed_at is None


def test_a_familys_agreement_sent_without_the_text_it_was_read_is_refused_and_recorded_nowhere(
    client_for, demo, demo_users, incident
):
    """The page always says which text the family was read; a post that does not cannot be checked."""
    message = _restricted_message(demo, demo_users, incident)
    client = client_for("responder")
    shown = reverse("communications:message", args=[incident.pk, message.pk])
    sent = form_on(client.get(shown), having="note") | {"note": "Mother agreed by phone"}
    del sent["revision"]
    page = client.post(reverse("communications:family_agreement", args=[incident.pk, message.pk]), sent)
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    assert "Mother agreed by phone" in page.content.decode()
    message.refresh_from_db()
    assert message.family_agreed_at is None


def test_no_family_agreement_is_recorded_on_a_withdrawn_message(demo, demo_users, incident):
    message = _restricted_message(demo, demo_users, incident)
    services.withdraw(message=message, by=demo_users["responder"])
    with pytest.raises(DomainError, match="withdrawn"):
        services.record_family_agreement(message=message, by=demo_users["responder"], note="Agreed by phone")
    message.refresh_from_db()
    assert message.family_agreed_at is None


def test_a_message_withdrawn_meanwhile_is_not_published_from_a_page_opened_before(
    press_statement, demo_users
):
    responder = demo_users["responder"]
    moved_on_to(press_statement, MessageStatus.APPROVED, demo_users)
    opened_before = Message.objects.get(pk=press_statement.pk)  # approved, as the page showed it
    services.withdraw(message=press_statement, by=responder)
    with pytest.raises(DomainError):
        services.publish(message=opened_before, by=responder)
    assert Message.objects.get(pk=press_statement.pk).status == MessageStatus.WITHDRAWN


def test_a_sign_off_or_agreement_refused_for_what_was_typed_keeps_it_and_changes_nothing(
    client_for, press_statement, demo_users
):
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    police = press_statement.sign_offs.get(organisation__kind="police")
    too_long = "Agreed with the SIO. " * 20
    page = client_for("police").post(
        reverse("communications:sign", args=[press_statement.incident_id, press_statement.pk, police.pk]),
        {"comment": too_long},
    )
    shown = page.content.decode()
    assert page.status_code == 200 and "govuk-error-summary" in shown
    assert "at most 300 characters" in shown and too_long.strip() in shown
    police.refresh_from_db()
    assert police.signed_at is None

    Message.objects.filter(pk=press_statement.pk).update(names_or_images=True)
    page = client_for("responder").post(
        reverse("communications:family_agreement", args=[press_statement.incident_id, press_statement.pk]),
        {"note": ""},
    )
    assert page.status_code == 200 and "Say how the family agreed" in page.content.decode()
    assert "<title>Error: " in page.content.decode()
    press_statement.refresh_from_db()
    assert press_statement.family_agreed_at is None


def test_approvers_must_take_part_in_the_incident(incident, demo, demo_users):
    with pytest.raises(DomainError, match="add Northbridge University Hospital as a partner"):
        demo_message(demo, demo_users, incident, approvers=[demo.organisations.get(kind="health_hospital")])
    assert not Message.objects.exists()


def test_a_message_naming_someone_is_hidden_from_those_who_need_not_read_it(
    client_for, incident, demo, demo_users
):
    message = demo_message(demo, demo_users, incident)
    Message.objects.filter(pk=message.pk).update(
        names_or_images=True, body="Jay Smith's family thanks everyone"
    )
    url = reverse("communications:message", args=[incident.pk, message.pk])
    assert "Jay Smith" not in client_for("viewer").get(url).content.decode()
    client_for("viewer").logout()
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    assert "Jay Smith" in client_for("police").get(url).content.decode()  # signing it off for the police


def _draft_fields(message, **changes):
    return {
        "kind": message.kind,
        "title": message.title,
        "body": message.body,
        "audience": message.audience,
        "channel": message.channel,
        "planned_for": "2026-12-01T10:00",
        "approvers": [s.organisation_id for s in message.sign_offs.all()],
        "revision": message.revision,
        **changes,
    }


def test_a_draft_is_changed_before_sign_off_and_two_edits_do_not_overwrite(client_for, press_statement):
    url = reverse("communications:message_edit", args=[press_statement.incident_id, press_statement.pk])
    client = client_for("responder")
    opened = _draft_fields(press_statement)
    client.post(url, {**opened, "title": "Statement from Northbridge partners"})
    press_statement.refresh_from_db()
    assert (press_statement.title, press_statement.revision) == ("Statement from Northbridge partners", 2)

    stale = client.post(url, {**opened, "title": "An older edit"})
    page = stale.content.decode()
    assert "Someone else changed this draft while you were editing it" in page
    assert "Their version, saved now" in page and 'value="An older edit"' in page
    press_statement.refresh_from_db()
    assert press_statement.title == "Statement from Northbridge partners"


def test_a_message_sent_for_sign_off_can_no_longer_be_changed(client_for, press_statement, demo_users):
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    url = reverse("communications:message_edit", args=[press_statement.incident_id, press_statement.pk])
    response = client_for("responder").post(url, {**_draft_fields(press_statement), "title": "Too late"})
    assert "Only a draft can be changed" in response.content.decode()
    press_statement.refresh_from_db()
    assert press_statement.title != "Too late"


@pytest.mark.parametrize(
    "meanwhile, said",
    [
        (MessageStatus.PUBLISHED, "It has already been published."),
        (MessageStatus.WITHDRAWN, "It has been withdrawn: it can no longer be published."),
    ],
)
def test_publishing_a_statement_a_colleague_published_or_withdrew_meanwhile_says_what_became_of_it(
    client_for, press_statement, demo_users, meanwhile, said
):
    """The defect: two people had the signed-off statement's page open; one published it (or withdrew it),
    then the other pressed Mark as published and was told "It cannot be published until every approver has
    signed it off", though every approver had, and went looking for a missing sign-off. Now they are told
    what became of it."""
    moved_on_to(press_statement, MessageStatus.APPROVED, demo_users)
    url = reverse("communications:publish", args=[press_statement.incident_id, press_statement.pk])
    if meanwhile == MessageStatus.PUBLISHED:
        services.publish(message=press_statement, by=demo_users["coordinator"])
    else:
        services.withdraw(message=press_statement, by=demo_users["coordinator"])
    page = client_for("responder").post(url, follow=True).content.decode()
    assert said in page
    assert "every approver" not in page
    assert Message.objects.get(pk=press_statement.pk).status == meanwhile


def moved_on_to(message, status, demo_users):
    """``message``, a draft to be signed off by the police and the council, taken on to ``status`` as people
    do: withdrawn, or sent for sign-off, then signed off by both, then published."""
    responder = demo_users["responder"]
    if status == MessageStatus.WITHDRAWN:
        services.withdraw(message=message, by=responder)
        return
    services.submit_for_sign_off(message=message, by=responder)
    if status == MessageStatus.AWAITING_SIGNOFF:
        return
    for sign_off in message.sign_offs.select_related("organisation"):
        services.sign_off(
            sign_off=sign_off,
            by=responder if sign_off.organisation.kind == "council" else demo_users["police"],
        )
    if status == MessageStatus.PUBLISHED:
        services.publish(message=message, by=responder)


NO_LONGER_A_DRAFT = [
    (MessageStatus.AWAITING_SIGNOFF, "has been sent for sign-off"),
    (MessageStatus.APPROVED, "has been signed off"),
    (MessageStatus.PUBLISHED, "has been published"),
    (MessageStatus.WITHDRAWN, "has been withdrawn"),
]


@pytest.mark.parametrize(("status", "became"), NO_LONGER_A_DRAFT)
def test_a_change_to_a_message_no_longer_a_draft_is_refused_saying_what_became_of_it(
    client_for, press_statement, demo_users, status, became
):
    url = reverse("communications:message_edit", args=[press_statement.incident_id, press_statement.pk])
    opened = _draft_fields(press_statement)  # the page, opened while it was a draft
    moved_on_to(press_statement, status, demo_users)
    page = client_for("responder").post(url, {**opened, "title": "Too late"}).content.decode()
    assert f"Only a draft can be changed: this one {became}." in page
    assert 'value="Too late"' in page
    press_statement.refresh_from_db()
    assert (press_statement.status, press_statement.title) == (
        status,
        "Statement on the stabbing near Northbridge Academy",
    )


@pytest.mark.parametrize(("status", "became"), NO_LONGER_A_DRAFT)
def test_the_change_page_of_a_message_no_longer_a_draft_goes_back_to_the_message_saying_what_became_of_it(
    client_for, press_statement, demo_users, status, became
):
    moved_on_to(press_statement, status, demo_users)
    url = reverse("communications:message_edit", args=[press_statement.incident_id, press_statement.pk])
    response = client_for("responder").get(url, follow=True)
    message_page = reverse("communications:message", args=[press_statement.incident_id, press_statement.pk])
    assert response.redirect_chain == [(message_page, 302)]
    page = response.content.decode()
    assert f"Only a draft can be changed: this one {became}." in page
    assert "Save the draft" not in page


# --- Restricted messages (security review, issue 14) ----------------------------------------------------


def _restricted_message(demo, demo_users, incident):
    """A draft naming someone affected, by the responder on the need-to-know list; the police approve it."""
    responder = demo_users["responder"]
    people_services.add_to_need_to_know(incident=incident, user=responder, by=responder)
    return services.draft_message(
        incident=incident,
        by=responder,
        kind="press",
        title="Jay Smith's family thanks the school",
        body="Jay Smith's family thanks everyone.",
        audience="Press and public",
        channel="Council website",
        planned_for=incident.occurred_at + timedelta(days=1),
        names_or_images=True,
        approvers=[demo.organisations.get(kind="police")],
    )


def test_only_those_who_may_read_a_restricted_message_move_it_on(client, demo, demo_users, incident):
    from svtoolkit.accounts.models import Role
    from tests.conftest import MODEL_BACKEND
    from tests.factories import MembershipFactory

    message = _restricted_message(demo, demo_users, incident)
    # A responder of the partnership, so allowed to manage the incident, but not on its need-to-know list.
    outsider = MembershipFactory(partnership=demo, role=Role.RESPONDER).user
    client.force_login(outsider, backend=MODEL_BACKEND)
    page = reverse("communications:message", args=[incident.pk, message.pk])

    def move_on(name, **data):
        return client.post(reverse(f"communications:{name}", args=[incident.pk, message.pk]), data)

    assert "Send for sign-off" not in client.get(page).content.decode()
    assert move_on("submit").status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.DRAFT

    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    services.sign_off(sign_off=message.sign_offs.get(), by=demo_users["police"])
    assert move_on("family_agreement", note="Agreed on the phone").status_code == 403
    assert move_on("publish").status_code == 403
    assert move_on("withdraw").status_code == 403
    message.refresh_from_db()
    assert (message.status, message.family_agreed_at) == (MessageStatus.APPROVED, None)


def test_an_approver_whose_organisation_stops_taking_part_no_longer_reads_a_restricted_message(
    client_for, demo, demo_users, incident
):
    """The defect: the coordinator who signed off, for the council, a statement naming someone affected kept
    reading it (its text, how the family agreed) after the council stopped taking part in the incident, though
    not on its need-to-know list and no longer asked to sign anything of it."""
    responder, coordinator = demo_users["responder"], demo_users["coordinator"]
    council = demo.organisations.get(kind="council")
    incident_services.add_participant(incident=incident, organisation=council, contact=None, by=responder)
    message = _restricted_message(demo, demo_users, incident)
    fields = {name: getattr(message, name) for name in services.MESSAGE_FIELDS}
    services.revise_draft(
        message=message, by=responder, expected_revision=message.revision, approvers=[council], **fields
    )
    services.submit_for_sign_off(message=message, by=responder)
    services.sign_off(sign_off=message.sign_offs.get(), by=coordinator)
    page = reverse("communications:message", args=[incident.pk, message.pk])
    signer = client_for("coordinator")
    assert "Jay Smith" in signer.get(page).content.decode()

    incident_services.stop_taking_part(
        participation=incident.participations.get(organisation=council), by=responder
    )

    response = signer.get(page)
    assert response.status_code == 200 and "Jay Smith" not in response.content.decode()
    assert "A message naming someone affected (restricted)" in response.content.decode()


def test_a_restricted_messages_title_is_hidden_everywhere_until_published(
    client_for, demo, demo_users, incident
):
    from svtoolkit.reports.selectors import situation_report

    message = _restricted_message(demo, demo_users, incident)
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    viewer = client_for("viewer")

    def seen_by_viewer():
        pages = [
            reverse("communications:overview", args=[incident.pk]),
            reverse("communications:message", args=[incident.pk, message.pk]),
            reverse("incidents:timeline", args=[incident.pk]),
            reverse("api:messages", kwargs={"incident_id": incident.pk}),
            reverse("api:message", kwargs={"incident_id": incident.pk, "message_id": message.pk}),
            reverse("api:timeline", kwargs={"incident_id": incident.pk}),
        ]
        texts = [viewer.get(url).content.decode() for url in pages]
        report = situation_report(incident, user=demo_users["viewer"], partnership=demo, people=None)
        texts.append(str([title for _, title in report["incident_messages"]]))
        return texts

    for text in seen_by_viewer():
        assert "Jay Smith" not in text
        assert "A message naming someone affected (restricted)" in text

    services.sign_off(sign_off=message.sign_offs.get(), by=demo_users["police"])
    message.refresh_from_db()
    services.record_family_agreement(message=message, by=demo_users["responder"], note="Agreed via the FLO")
    services.publish(message=message, by=demo_users["responder"])
    for text in seen_by_viewer():
        assert "Jay Smith" in text


def test_publishing_a_message_naming_someone_publishes_neither_the_familys_note_nor_the_approvers_comments(
    client_for, demo, demo_users, incident
):
    """The defect: once published, a message naming someone showed how the family agreed (who they are, how
    they were reached) and the approvers' comments to everyone who sees the incident, unaudited, though only
    the statement itself was made public."""
    message = _restricted_message(demo, demo_users, incident)
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    services.sign_off(
        sign_off=message.sign_offs.get(), by=demo_users["police"], comment="Leave out Ann Smith's street"
    )
    message.refresh_from_db()
    services.record_family_agreement(
        message=message, by=demo_users["responder"], note="Agreed with his mother, Ann Smith, on 07700 900123"
    )
    services.publish(message=message, by=demo_users["responder"])
    url = reverse("communications:message", args=[incident.pk, message.pk])
    notes_read = AuditEntry.objects.filter(
        action=AuditAction.VIEW_SENSITIVE, target_type="communications.Message", target_id=str(message.pk)
    )

    for role in ("viewer", "coordinator"):  # neither on the need-to-know list nor signing it off
        page = client_for(role).get(url).content.decode()
        assert "family thanks everyone." in page  # the statement itself is public now
        assert "Ann Smith" not in page
    assert not notes_read.exists()

    page = client_for("responder").get(url).content.decode()
    assert "Agreed with his mother, Ann Smith" in page and "Leave out Ann Smith" in page
    assert list(notes_read.values_list("actor__email", flat=True)) == [demo_users["responder"].email]


def test_each_reading_of_a_restricted_message_is_audited(client_for, demo, demo_users, incident):
    from svtoolkit.audit.models import AuditEntry

    message = _restricted_message(demo, demo_users, incident)

    def readings():
        return list(
            AuditEntry.objects.filter(
                action="view_sensitive", target_type="communications.Message", target_id=str(message.pk)
            )
            .order_by("pk")
            .values_list("actor__email", "detail__what")
        )

    client_for("viewer").get(reverse("communications:message", args=[incident.pk, message.pk]))
    client_for("viewer").get(
        reverse("api:message", kwargs={"incident_id": incident.pk, "message_id": message.pk})
    )
    assert readings() == []  # shown as restricted: nothing read

    responder = client_for("responder")
    email = demo_users["responder"].email
    for url, what in [
        (
            reverse("communications:message", args=[incident.pk, message.pk]),
            "message naming someone affected",
        ),
        (
            reverse("communications:message_edit", args=[incident.pk, message.pk]),
            "message naming someone affected, opened to change it",
        ),
        (
            reverse("api:message", kwargs={"incident_id": incident.pk, "message_id": message.pk}),
            "message naming someone affected, read through the API",
        ),
        (
            reverse("api:messages", kwargs={"incident_id": incident.pk}),
            "message naming someone affected, read through the API",
        ),
    ]:
        before = readings()
        assert "Jay Smith" in responder.get(url).content.decode()
        assert readings() == [*before, (email, what)], url


def test_a_restricted_message_listed_in_full_on_the_communications_page_is_audited(
    client_for, demo, demo_users, incident
):
    """The defect: the communications page showed the title of a message naming someone to those who may
    read it, and wrote nothing to the audit log, where the API's list writes a reading of each."""
    from svtoolkit.audit.models import AuditEntry

    message = _restricted_message(demo, demo_users, incident)
    page = client_for("responder").get(reverse("communications:overview", args=[incident.pk]))
    assert "Jay Smith" in page.content.decode()
    assert list(
        AuditEntry.objects.filter(
            action="view_sensitive", target_type="communications.Message", target_id=str(message.pk)
        ).values_list("actor__email", "detail__what")
    ) == [
        (demo_users["responder"].email, "message naming someone affected, listed on the communications page")
    ]


def test_the_home_page_never_shows_the_title_of_a_restricted_message_awaiting_sign_off(
    client_for, demo, demo_users, incident
):
    """The defect: an approver who may read it saw its title, naming someone affected, on the home page (a
    page often open on a shared screen), with nothing written to the audit log."""
    from svtoolkit.audit.models import AuditEntry

    message = _restricted_message(demo, demo_users, incident)
    police = demo_users["police"]
    people_services.add_to_need_to_know(incident=incident, user=police, by=demo_users["responder"])
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    home = client_for("police").get(reverse("core:home")).content.decode()
    assert "A message naming someone affected (restricted)" in home
    assert "Jay Smith" not in home
    assert not AuditEntry.objects.filter(action="view_sensitive", actor=police).exists()


def test_a_restricted_messages_audience_and_comments_are_for_those_who_may_read_it(
    client_for, demo, demo_users, incident
):
    message = _restricted_message(demo, demo_users, incident)
    Message.objects.filter(pk=message.pk).update(audience="Jay Smith's classmates")
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    services.sign_off(
        sign_off=message.sign_offs.get(), by=demo_users["police"], comment="Jay Smith's mum agreed"
    )
    page = reverse("communications:message", args=[incident.pk, message.pk])
    api = reverse("api:message", kwargs={"incident_id": incident.pk, "message_id": message.pk})

    viewer = client_for("viewer")
    shown = viewer.get(page).content.decode()
    assert "Jay Smith" not in shown and "Restricted" in shown
    assert viewer.get(api).json()["audience"] is None

    responder = client_for("responder")
    shown = responder.get(page).content.decode()
    assert "Jay Smith&#x27;s classmates" in shown and "Jay Smith&#x27;s mum agreed" in shown
    assert responder.get(api).json()["audience"] == "Jay Smith's classmates"


def test_the_audit_log_keeps_no_title_of_a_message_naming_someone(client_for, demo, demo_users, incident):
    """Audit entries are kept for ever; the retention job erases the title, so the log must not hold it."""
    from svtoolkit.audit.models import AuditEntry

    message = _restricted_message(demo, demo_users, incident)
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    client_for("responder").get(reverse("communications:message", args=[incident.pk, message.pk]))
    labels = list(
        AuditEntry.objects.filter(target_type="communications.Message").values_list("target_label", flat=True)
    )
    assert len(labels) >= 3  # drafted, sent for sign-off, read
    assert all(label == "A message naming someone affected" for label in labels), labels


def test_approvers_are_told_and_see_the_statement_on_their_home_page(client_for, press_statement, demo_users):
    from svtoolkit.messaging.models import Notification

    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    notice = Notification.objects.get(kind=services.SIGN_OFF_REQUEST)
    told = {delivery.recipient_label for delivery in notice.deliveries.all()}
    # Those acting for the police and the council; not the council's viewer.
    assert {demo_users["police"].full_name, demo_users["coordinator"].full_name} <= told
    assert demo_users["viewer"].full_name not in told
    assert press_statement.body not in notice.body
    home = client_for("police").get(reverse("core:home")).content.decode()
    assert "Statements awaiting your sign-off" in home and press_statement.title in home


def test_approvers_of_a_partnership_the_incident_is_shared_with_are_asked_and_told_of_a_withdrawal(
    client, demo, demo_users, other_partnership
):
    """The defect: an organisation of a partnership the incident is shared with (whose responders work it as
    their own) named to sign a statement off was never asked: the request, and the notice of its withdrawal,
    went only to people of the incident's own partnership, so nobody acting for it heard, though they could
    sign it off. Now those who act for each approver, in its own partnership, are asked and told."""
    from svtoolkit.messaging.models import Notification
    from tests.conftest import MODEL_BACKEND
    from tests.factories import MembershipFactory
    from tests.incidents.builders import SHARE_BASIS

    incident, _ = demo_incident(demo, demo_users)
    southmoor, _ = other_partnership
    incident_services.share_incident(
        incident=incident, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    theirs = MembershipFactory(partnership=southmoor, role="responder")
    incident_services.add_participant(
        incident=incident, organisation=theirs.organisation, contact=None, by=theirs.user
    )
    message = demo_message(demo, demo_users, incident, approvers=[theirs.organisation])
    services.submit_for_sign_off(message=message, by=demo_users["responder"])
    asked = Notification.objects.get(kind=services.SIGN_OFF_REQUEST)
    assert {delivery.recipient_label for delivery in asked.deliveries.all()} == {theirs.user.full_name}
    client.force_login(theirs.user, backend=MODEL_BACKEND)
    page = client.get(reverse("communications:message", args=[incident.pk, message.pk])).content.decode()
    assert f"Sign off for {theirs.organisation}" in page

    services.withdraw(message=message, by=demo_users["responder"])
    told = Notification.objects.get(kind=services.SIGN_OFF_WITHDRAWN)
    assert {delivery.recipient_label for delivery in told.deliveries.all()} == {theirs.user.full_name}


def test_a_statement_on_a_closed_incident_no_longer_awaits_sign_off_on_the_home_page(
    client_for, press_statement, demo_users
):
    from tests.recovery.test_after import closed

    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    closed(press_statement.incident, demo_users["responder"])
    home = client_for("police").get(reverse("core:home")).content.decode()
    assert "Statements awaiting your sign-off" not in home and press_statement.title not in home


def test_withdrawing_a_statement_tells_the_approvers_still_asked_to_sign_it_off(press_statement, demo_users):
    from svtoolkit.messaging.models import Notification

    responder = demo_users["responder"]
    services.submit_for_sign_off(message=press_statement, by=responder)
    services.sign_off(
        sign_off=press_statement.sign_offs.get(organisation__kind="police"), by=demo_users["police"]
    )

    services.withdraw(message=press_statement, by=responder)

    notice = Notification.objects.get(kind=services.SIGN_OFF_WITHDRAWN)
    told = {delivery.recipient_label for delivery in notice.deliveries.all()}
    # The council has not signed: those acting for it are told, but not the responder who withdrew it; the
    # police signed already and had nothing left to do.
    assert demo_users["coordinator"].full_name in told
    assert not told & {responder.full_name, demo_users["police"].full_name, demo_users["viewer"].full_name}
    assert "withdrawn" in notice.subject and press_statement.body not in notice.body


def test_the_sign_off_request_withdrawal_notice_and_update_reminder_of_an_exercise_say_exercise(
    press_statement, demo, demo_users
):
    """The defect: an exercise's sign-off request, withdrawal notice and update reminder read as if the
    incident were real. Now, as alerts and partner notices do, their subjects (and text messages) start with
    EXERCISE and their emails say it is not a real incident."""
    from svtoolkit.communications.tasks import send_update_reminders
    from svtoolkit.messaging.models import Notification

    incident = press_statement.incident
    Incident.objects.filter(pk=incident.pk).update(is_exercise=True)
    press_statement.refresh_from_db()
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    services.withdraw(message=press_statement, by=demo_users["responder"])
    _weekly_updates_by_the_responder(incident, demo, demo_users)
    CommunicationsPlan.objects.update(next_update_due=timezone.now() - timedelta(minutes=1))
    send_update_reminders.enqueue()
    sent = Notification.objects.filter(
        kind__in=[services.SIGN_OFF_REQUEST, services.SIGN_OFF_WITHDRAWN, "communications_reminder"]
    )
    assert sent.count() == 3
    for notice in sent:
        assert notice.subject.startswith(f"EXERCISE {incident.reference}: "), notice.subject
        assert notice.sms_text.startswith("EXERCISE "), notice.sms_text
        assert f"{incident.reference} (EXERCISE: not a real incident)" in notice.body, notice.body


def test_withdrawing_a_draft_never_sent_for_sign_off_tells_no_approver(press_statement, demo_users):
    from svtoolkit.messaging.models import Notification

    services.withdraw(message=press_statement, by=demo_users["responder"])

    assert not Notification.objects.filter(kind=services.SIGN_OFF_WITHDRAWN).exists()


def test_the_home_pages_sign_off_link_opens_the_statement_where_the_approver_signs(
    client_for, press_statement, demo_users
):
    services.submit_for_sign_off(message=press_statement, by=demo_users["responder"])
    police = client_for("police")
    home = police.get(reverse("core:home")).content.decode()
    link = re.search(rf'<a class="govuk-link" href="([^"]+)">{re.escape(press_statement.title)}</a>', home)

    opened = police.get(link.group(1))

    assert opened.status_code == 200
    police_sign_off = press_statement.sign_offs.get(organisation__kind="police")
    assert f"Sign off for {police_sign_off.organisation}" in opened.content.decode()


def _police_stop_taking_part(incident, responder):
    from svtoolkit.incidents.models import ActionStatus

    incident.actions.update(status=ActionStatus.NOT_NEEDED)  # the police's action, set aside
    incident_services.stop_taking_part(
        participation=incident.participations.get(organisation__kind="police"), by=responder
    )


def test_a_statement_awaiting_an_organisation_that_stops_taking_part_waits_for_it_no_longer(
    press_statement, demo_users
):
    """The council signed; the police, asked too, turn out not to be involved: the statement no longer
    waits for a sign-off that can never come, and can be published."""
    responder = demo_users["responder"]
    police = press_statement.sign_offs.get(organisation__kind="police").organisation
    services.submit_for_sign_off(message=press_statement, by=responder)
    services.sign_off(sign_off=press_statement.sign_offs.get(organisation__kind="council"), by=responder)

    _police_stop_taking_part(press_statement.incident, responder)

    press_statement.refresh_from_db()
    assert press_statement.status == MessageStatus.APPROVED
    assert list(press_statement.sign_offs.values_list("organisation__kind", flat=True)) == ["council"]
    assert press_statement.incident.timeline.filter(
        text=f"“{press_statement.title}”: {police} no longer takes part, so is no longer asked to "
        "sign it off; every other approver has signed it off."
    ).exists()
    services.publish(message=press_statement, by=responder)


def test_a_sign_off_request_still_waiting_is_not_sent_once_its_organisation_stops_taking_part(
    demo, demo_users, incident
):
    """The defect: the request to the police officer, held for their quiet hours, still went when those hours
    ended, though the police had stopped taking part (its link then led nowhere)."""
    from svtoolkit.messaging.models import Delivery, DeliveryStatus

    responder, officer = demo_users["responder"], demo_users["police"]
    now = timezone.localtime()
    officer.quiet_from = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    officer.quiet_until = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    officer.save()
    statement = demo_message(demo, demo_users, incident)  # for the police alone to sign off
    services.submit_for_sign_off(message=statement, by=responder)
    waiting = Delivery.objects.get(notification__kind=services.SIGN_OFF_REQUEST, recipient=officer)
    assert waiting.status == DeliveryStatus.QUEUED and waiting.next_attempt_at > timezone.now()

    _police_stop_taking_part(incident, responder)

    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.WITHDRAWN


def test_a_statement_whose_only_approver_stops_taking_part_is_a_draft_again_to_send_to_another(
    demo, demo_users, incident
):
    from svtoolkit.messaging.models import Notification

    responder = demo_users["responder"]
    statement = demo_message(demo, demo_users, incident)  # for the police alone to sign off
    services.submit_for_sign_off(message=statement, by=responder)
    draft = demo_message(demo, demo_users, incident)

    _police_stop_taking_part(incident, responder)

    statement.refresh_from_db()
    assert statement.status == MessageStatus.DRAFT and not statement.sign_offs.exists()
    assert not draft.sign_offs.exists()  # a draft does not name it either, to be sent to it
    council = demo.organisations.get(kind="council")
    incident_services.add_participant(incident=incident, organisation=council, contact=None, by=responder)
    fields = {name: getattr(statement, name) for name in services.MESSAGE_FIELDS}
    services.revise_draft(
        message=statement, by=responder, expected_revision=statement.revision, approvers=[council], **fields
    )
    services.submit_for_sign_off(message=statement, by=responder)
    asked = Notification.objects.filter(kind=services.SIGN_OFF_REQUEST).latest("pk")
    assert demo_users["coordinator"].full_name in {
        delivery.recipient_label for delivery in asked.deliveries.all()
    }


# A rumour seen on social media, and what is done to counter it.
RUMOUR = {
    "source": "Facebook group",
    "summary": "A rumour of a second stabbing",
    "is_rumour": True,
    "response": "Police to post the facts",
}


@pytest.mark.parametrize(
    "change",
    [
        lambda incident, demo, demo_users: demo_message(demo, demo_users, incident),
        lambda incident, demo, demo_users: services.add_monitoring_note(
            incident=incident, by=demo_users["responder"], **RUMOUR
        ),
        lambda incident, demo, demo_users: _weekly_updates_by_the_responder(incident, demo, demo_users),
    ],
    ids=["draft_message", "add_monitoring_note", "set_plan"],
)
def test_communications_saved_from_a_page_opened_before_a_colleague_closed_the_incident_are_refused(
    change, incident, demo, demo_users
):
    """A message drafted, a monitoring note or the communications plan, saved from a page opened while the
    incident was open, is refused once a colleague has closed it, and nothing of it is kept."""
    as_opened = Incident.objects.get(pk=incident.pk)
    closed(incident, demo_users["responder"])
    entries = as_opened.timeline.count()
    with pytest.raises(DomainError, match="closed meanwhile"):
        change(as_opened, demo, demo_users)
    assert not as_opened.messages.exists() and not as_opened.monitoring_notes.exists()
    assert not CommunicationsPlan.objects.filter(incident=as_opened).exists()
    assert as_opened.timeline.count() == entries


def _revised(message, demo_users):
    """The draft saved again from its change page with a new title."""
    return services.revise_draft(
        message=message,
        by=demo_users["responder"],
        expected_revision=message.revision,
        approvers=[sign_off.organisation for sign_off in message.sign_offs.all()],
        **{name: getattr(message, name) for name in services.MESSAGE_FIELDS} | {"title": "Too late"},
    )


# Each step of a message refused once its incident is closed: the status it is taken from (the page showing
# it so), and the step, as the message's page or its change page sends it.
STEPS_ONCE_CLOSED = {
    "revise_draft": (MessageStatus.DRAFT, _revised),
    "submit_for_sign_off": (
        MessageStatus.DRAFT,
        lambda message, demo_users: services.submit_for_sign_off(message=message, by=demo_users["responder"]),
    ),
    "record_family_agreement": (
        MessageStatus.DRAFT,
        lambda message, demo_users: services.record_family_agreement(
            message=message, by=demo_users["responder"], note="Mother agreed by phone"
        ),
    ),
    "sign_off": (
        MessageStatus.AWAITING_SIGNOFF,
        lambda message, demo_users: services.sign_off(
            sign_off=message.sign_offs.get(organisation__kind="police"), by=demo_users["police"]
        ),
    ),
    "publish": (
        MessageStatus.APPROVED,
        lambda message, demo_users: services.publish(message=message, by=demo_users["responder"]),
    ),
    "withdraw": (
        MessageStatus.AWAITING_SIGNOFF,
        lambda message, demo_users: services.withdraw(message=message, by=demo_users["responder"]),
    ),
}


@pytest.mark.parametrize("step", list(STEPS_ONCE_CLOSED))
def test_a_message_moved_on_from_a_page_opened_before_a_colleague_closed_the_incident_is_refused(
    step, press_statement, demo_users
):
    """A draft changed, sent for sign-off or given the family's agreement, a statement signed off, published
    or withdrawn, from a page opened while the incident was open, is refused once a colleague has closed it:
    the message, its sign-offs and the timeline stay as they were closed, and no approver is told."""
    from svtoolkit.communications.models import SignOff
    from svtoolkit.messaging.models import Notification

    status, move_on = STEPS_ONCE_CLOSED[step]
    if status != MessageStatus.DRAFT:
        moved_on_to(press_statement, status, demo_users)
    if step == "record_family_agreement":
        Message.objects.filter(pk=press_statement.pk).update(names_or_images=True)
    as_opened = Message.objects.get(pk=press_statement.pk)
    closed(press_statement.incident, demo_users["responder"])

    def as_stored():
        return (
            Message.objects.filter(pk=as_opened.pk).values().get(),
            list(SignOff.objects.filter(message=as_opened).order_by("pk").values()),
            as_opened.incident.timeline.count(),
            Notification.objects.count(),
        )

    when_closed = as_stored()
    with pytest.raises(DomainError, match="closed meanwhile"):
        move_on(as_opened, demo_users)
    assert as_stored() == when_closed


def test_mark_as_published_is_offered_only_when_publishing_would_be_taken_and_otherwise_says_why(
    client_for, press_statement, demo_users
):
    """The defect: Mark as published was offered while the statement still awaited sign-off, and the service
    always refused it. Now it is offered only once it can be published; until then the page says what it
    waits for (the approvers still to sign, or the family's agreement)."""
    responder = demo_users["responder"]
    page_url = reverse("communications:message", args=[press_statement.incident_id, press_statement.pk])
    client = client_for("responder")
    services.submit_for_sign_off(message=press_statement, by=responder)
    police = press_statement.sign_offs.get(organisation__kind="police")
    services.sign_off(sign_off=police, by=demo_users["police"])
    page = client.get(page_url).content.decode()
    assert "Mark as published" not in page
    assert "signed it off (still waiting for: Northbridge Council" in page
    services.sign_off(sign_off=press_statement.sign_offs.get(organisation__kind="council"), by=responder)
    Message.objects.filter(pk=press_statement.pk).update(names_or_images=True)
    page = client.get(page_url).content.decode()
    assert "Mark as published" not in page
    assert "record the family&#x27;s agreement before publishing" in page
    Message.objects.filter(pk=press_statement.pk).update(names_or_images=False)
    assert "Mark as published" in client.get(page_url).content.decode()
