"""Entries past their review date: the selector, the home-page section, the reminder task and command."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.messaging.delivery import deliver_due
from svtoolkit.partnerships import selectors
from svtoolkit.partnerships.models import Contact, Organisation, SupportService
from svtoolkit.partnerships.tasks import queue_review_reminders, send_review_reminders
from tests.factories import ContactFactory, OrganisationFactory, PartnershipFactory, SupportServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean_slate(demo):
    """The demo partnership with none of its seeded entries overdue, so each test sets up its own."""
    later = timezone.localdate() + timedelta(days=100)
    Organisation.objects.update(review_due=later)
    Contact.objects.update(review_due=later)
    SupportService.objects.update(review_due=later)
    return demo


def yesterday():
    return timezone.localdate() - timedelta(days=1)


def test_overdue_entries_lists_each_kind_oldest_first_and_only_this_partnerships(
    clean_slate, demo_users, other_partnership
):
    demo, police = clean_slate, demo_users["police"]
    organisation = OrganisationFactory(
        partnership=demo, review_due=yesterday() - timedelta(days=5), owner=police
    )
    ContactFactory(organisation=organisation, name="Overdue contact", review_due=yesterday())
    SupportServiceFactory(
        partnership=demo, name="Overdue service", review_due=yesterday() - timedelta(days=2)
    )
    ContactFactory(organisation=organisation, name="Retired contact", review_due=yesterday(), is_active=False)
    ContactFactory(organisation=organisation, name="Due today", review_due=timezone.localdate())
    SupportServiceFactory(partnership=other_partnership[0], review_due=yesterday())

    entries = selectors.overdue_entries(demo)
    assert [(entry.kind, entry.name.split(",")[0]) for entry in entries] == [
        ("Organisation", organisation.name),
        ("Support service", "Overdue service"),
        ("Contact", "Overdue contact"),
    ]
    assert entries[0].path == reverse("partnerships:organisation", args=[organisation.pk])
    assert [entry.kind for entry in selectors.overdue_entries(demo, owner=police)] == ["Organisation"]


def test_the_coordinator_sees_every_overdue_entry_and_an_owner_only_theirs(
    clean_slate, demo_users, client_for
):
    SupportServiceFactory(
        partnership=clean_slate,
        name="Police-owned service",
        review_due=yesterday(),
        owner=demo_users["police"],
    )
    SupportServiceFactory(
        partnership=clean_slate,
        name="Coordinator-owned service",
        review_due=yesterday(),
        owner=demo_users["coordinator"],
    )

    page = client_for("coordinator").get(reverse("core:home")).content.decode()
    assert "Directory entries due for review" in page
    assert "Police-owned service" in page and "Coordinator-owned service" in page

    page = client_for("police").get(reverse("core:home")).content.decode()
    assert "Police-owned service" in page and "Coordinator-owned service" not in page

    page = client_for("viewer").get(reverse("core:home")).content.decode()
    assert "Directory entries due for review" not in page


def test_the_coordinator_is_told_when_nothing_is_overdue(clean_slate, client_for):
    page = client_for("coordinator").get(reverse("core:home")).content.decode()
    assert "No directory entries are past their review date." in page


def test_the_seeded_demo_has_entries_past_review(demo):
    assert len(selectors.overdue_entries(demo)) >= 2


def test_each_owner_gets_one_email_listing_all_their_overdue_entries(clean_slate, demo_users, settings):
    settings.SITE_URL = "https://svt.example.org"
    police, health = demo_users["police"], demo_users["health"]
    for n in range(2):
        SupportServiceFactory(
            partnership=clean_slate, name=f"Police service {n}", review_due=yesterday(), owner=police
        )
    SupportServiceFactory(
        partnership=clean_slate, name="Health service", review_due=yesterday(), owner=health
    )
    SupportServiceFactory(
        partnership=clean_slate, name="Ownerless service", review_due=yesterday(), owner=None
    )

    result = send_review_reminders.enqueue(partnership_id=clean_slate.pk)

    assert result.return_value == 2
    deliver_due()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"police@example.org", "health@example.org"}
    police_mail = by_recipient["police@example.org"]
    assert police_mail.subject == f"2 directory entries to review in {clean_slate}"
    assert "Police service 0" in police_mail.body and "Police service 1" in police_mail.body
    assert "Health service" not in police_mail.body
    assert "https://svt.example.org/support-services/" in police_mail.body


def test_a_second_run_on_the_same_day_reminds_no_one_again(clean_slate, demo_users):
    SupportServiceFactory(partnership=clean_slate, review_due=yesterday(), owner=demo_users["health"])
    assert send_review_reminders.enqueue(partnership_id=clean_slate.pk).return_value == 1
    queue_review_reminders.call()  # the daily run, the same day: nothing new to say
    deliver_due()
    assert [message.to for message in mail.outbox] == [["health@example.org"]]


def test_an_owner_who_left_the_partnership_is_not_emailed(clean_slate, demo_users):
    police = demo_users["police"]
    SupportServiceFactory(partnership=clean_slate, review_due=yesterday(), owner=police)
    police.memberships.all().delete()
    assert send_review_reminders.enqueue(partnership_id=clean_slate.pk).return_value == 0
    assert mail.outbox == []


def test_the_command_queues_reminders_for_every_active_partnership(
    clean_slate, demo_users, capsys, django_capture_on_commit_callbacks
):
    SupportServiceFactory(partnership=clean_slate, review_due=yesterday(), owner=demo_users["health"])
    PartnershipFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_reminders")
    assert "Queued review reminders for 1 partnership(s)." in capsys.readouterr().out
    assert [message.to for message in mail.outbox] == [["health@example.org"]]


# --- The owner sets the next review date -------------------------------------------------------------


def review_url(kind, entry):
    return reverse("partnerships:entry_review", args=[kind, entry.pk])


def test_an_owner_reminded_to_set_a_new_review_date_sets_it_from_the_reminder_and_it_is_audited(
    demo, demo_users, client_for, settings
):
    """The defect: owners who are not coordinators were told every day (email and home page) to set a new
    review date, but only a coordinator may change the directory, so the reminder never stopped."""
    settings.SITE_URL = "https://svt.example.org"
    police = demo_users["police"]
    contact = Contact.objects.get(organisation__partnership=demo, name="Sergeant Lewis Grant")
    assert contact.owner == police and contact.review_due < timezone.localdate()
    send_review_reminders.enqueue(partnership_id=demo.pk)
    deliver_due()
    reminder = next(message for message in mail.outbox if message.to == ["police@example.org"])
    assert f"https://svt.example.org{review_url('contact', contact)}" in reminder.body
    client = client_for("police")
    home = client.get(reverse("core:home")).content.decode()
    assert f'href="{review_url("contact", contact)}"' in home

    page = client.get(review_url("contact", contact)).content.decode()
    assert "Set the next review date of Sergeant Lewis Grant" in page
    assert f'<input type="hidden" name="revision" value="{contact.revision}"' in page
    next_year = timezone.localdate() + timedelta(days=365)
    response = client.post(
        review_url("contact", contact),
        {"review_due": next_year.strftime("%d/%m/%Y"), "revision": contact.revision},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.review_due, contact.revision) == (next_year, 2)
    entry = AuditEntry.objects.get(
        action=AuditAction.UPDATE, target_type="partnerships.Contact", target_id=str(contact.pk)
    )
    assert entry.actor == police and set(entry.detail["changes"]) == {"review_due"}
    assert contact.name not in [
        entry.name.split(",")[0] for entry in selectors.overdue_entries(demo, owner=police)
    ]


def test_only_the_owner_and_the_coordinator_set_an_entrys_review_date(demo, demo_users, client_for):
    contact = Contact.objects.get(organisation__partnership=demo, name="Sergeant Lewis Grant")
    before = contact.review_due
    data = {"review_due": "31/03/2099", "revision": contact.revision}
    for role in ("health", "responder", "viewer"):
        assert client_for(role).post(review_url("contact", contact), data).status_code == 403, role
    contact.refresh_from_db()
    assert contact.review_due == before
    assert client_for("coordinator").get(review_url("contact", contact)).status_code == 200
    assert client_for("police").get(review_url("unknown-kind", contact)).status_code == 404


def test_a_review_date_must_be_after_today_and_a_stale_page_changes_nothing(demo, demo_users, client_for):
    contact = Contact.objects.get(organisation__partnership=demo, name="Sergeant Lewis Grant")
    before = contact.review_due
    client = client_for("police")
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = client.post(
        review_url("contact", contact), {"review_due": today, "revision": contact.revision}
    )
    assert response.context["form"].errors["review_due"] == ["The next review date must be after today"]
    stale = client.post(
        review_url("contact", contact), {"review_due": "31/03/2099", "revision": contact.revision + 1}
    )
    page = stale.content.decode()
    assert stale.status_code == 200 and "Someone else changed this contact" in page
    assert 'value="31/3/2099"' in page or 'value="31/03/2099"' in page  # what was typed is kept
    contact.refresh_from_db()
    assert contact.review_due == before
