"""The webhook pages: setting up an endpoint, its secret shown once, the delivery log and sending again."""

import re
import socket

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.webhooks import services
from svtoolkit.webhooks.models import WebhookDeliveryStatus, WebhookEndpoint
from tests.page_forms import form_on, refused_without_revision, saved_from_two_pages
from tests.webhooks.builders import failed_delivery

pytestmark = pytest.mark.django_db

ADD = {
    "url": "https://automation.example.org/svtoolkit",
    "description": "Council Teams channel",
    "event_types": ["incident.categorised", "action.escalated"],
}


def test_a_coordinator_sets_up_an_endpoint_and_sees_its_secret_once(client_for, demo):
    client = client_for("coordinator")
    answer = client.post(reverse("webhooks:endpoint_add"), ADD)
    endpoint = WebhookEndpoint.objects.get()
    assert answer["Location"] == reverse("webhooks:endpoint", args=[endpoint.pk])
    assert endpoint.partnership == demo and endpoint.event_types == sorted(ADD["event_types"])
    first = client.get(answer["Location"]).content.decode()
    assert endpoint.secret in first and "You will not be able to see it again" in first
    assert endpoint.secret not in client.get(answer["Location"]).content.decode()
    assert endpoint.secret not in client.get(reverse("webhooks:endpoints")).content.decode()


def test_a_mistake_in_the_endpoint_is_explained_and_nothing_is_saved(client_for, demo, settings):
    settings.SVTOOLKIT_WEBHOOK_ALLOW_HTTP = False
    client = client_for("coordinator")
    page = client.post(
        reverse("webhooks:endpoint_add"), {**ADD, "url": "http://x.example.org/", "event_types": []}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in text
    assert "Choose at least one event" in text
    page = client.post(reverse("webhooks:endpoint_add"), {**ADD, "url": "http://x.example.org/"})
    assert "must start with https://" in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("private_networks_allowed", [False, True])
def test_an_address_with_a_port_that_cannot_be_is_explained_and_nothing_is_saved(
    client_for, demo, demo_users, settings, private_networks_allowed
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = private_networks_allowed
    client = client_for("coordinator")
    client.raise_request_exception = False
    for url, fields in [
        (reverse("webhooks:endpoint_add"), {}),
        (
            reverse("webhooks:endpoint", args=[endpoint.pk]),
            {"is_active": "on", "revision": endpoint.revision},
        ),
    ]:
        page = client.post(url, {**ADD, "url": "https://automation.example.org:99999/svtoolkit", **fields})
        assert page.status_code == 200
        assert (
            "The port in the endpoint&#x27;s address must be a number from 1 to 65535"
            in page.content.decode()
        )
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == [ADD["url"]]


def test_the_delivery_log_shows_what_failed_and_sends_it_again(client_for, demo, demo_users):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    failed = failed_delivery(endpoint, payload={})
    client = client_for("coordinator")
    log = client.get(reverse("webhooks:deliveries", args=[endpoint.pk])).content.decode()
    assert "HTTP 503" in log and "Gave up after 8 tries" in log and "Send again" in log
    assert "1 failed" in client.get(reverse("webhooks:endpoints")).content.decode()
    client.post(reverse("webhooks:delivery_send_again", args=[failed.pk]))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (WebhookDeliveryStatus.QUEUED, 0)


def test_a_new_secret_is_shown_once_and_replaces_the_old(client_for, demo, demo_users):
    endpoint, old = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    answer = client.post(
        reverse("webhooks:endpoint_secret", args=[endpoint.pk]), {"revision": endpoint.revision}
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in client.get(answer["Location"]).content.decode()


def test_a_coordinator_switches_an_endpoint_off_and_its_log_shows_what_was_waiting_as_not_sent(
    client_for, demo, demo_users
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    services.publish("incident.categorised", partnership=demo, payload={})
    client = client_for("coordinator")
    client.post(
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        {**ADD, "is_active": "", "revision": endpoint.revision},
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    log = client.get(reverse("webhooks:deliveries", args=[endpoint.pk])).content.decode()
    assert "Not sent" in log and "Send again" not in log
    assert f"The endpoint was switched off by {demo_users['coordinator']} at " in log


def test_the_endpoints_page_counts_the_events_not_sent_as_an_endpoint_was_switched_off(
    client_for, demo, demo_users
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    services.publish("incident.categorised", partnership=demo, payload={})
    services.publish("action.escalated", partnership=demo, payload={})
    failed_delivery(endpoint, payload={})
    client = client_for("coordinator")
    client.post(
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        {**ADD, "is_active": "", "revision": endpoint.revision},
    )
    page = client.get(reverse("webhooks:endpoints")).content.decode()
    assert "2 not sent" in page and "1 failed" in page


def test_two_coordinators_changing_an_endpoint_at_once_keep_both_changes(client_for, demo, demo_users):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    saved_from_two_pages(
        client_for("coordinator"),
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        first={"url": "https://automation.example.org/moved"},
        second={"is_active": ""},
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.is_active) == ("https://automation.example.org/moved", False)


def test_an_endpoint_saved_without_its_revision_keeps_a_colleagues_change(client_for, demo, demo_users):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    refused_without_revision(
        client_for("coordinator"),
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        first={"url": "https://automation.example.org/moved"},
        second={"url": "https://automation.example.org/elsewhere"},
    )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://automation.example.org/moved"


def test_a_new_secret_asked_for_from_a_page_older_than_the_last_one_is_refused(client_for, demo, demo_users):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    shown = form_on(client.get(page), having="revision")["revision"]
    secret_url = reverse("webhooks:endpoint_secret", args=[endpoint.pk])
    client.post(secret_url, {"revision": shown})
    endpoint.refresh_from_db()
    handed_on = endpoint.secret
    refused = client.post(secret_url, {"revision": shown}, follow=True).content.decode()
    assert "while you had its page open, so no new secret was made" in refused
    endpoint.refresh_from_db()
    assert endpoint.secret == handed_on


def test_another_partnerships_endpoint_is_not_found(client_for, demo, other_partnership):
    partnership, membership = other_partnership
    theirs, _ = services.add_endpoint(partnership=partnership, by=membership.user, **ADD)
    client = client_for("coordinator")
    assert client.get(reverse("webhooks:endpoint", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("webhooks:deliveries", args=[theirs.pk])).status_code == 404


def test_an_endpoint_whose_address_is_now_refused_can_still_be_switched_off_and_described(
    client_for, demo, demo_users, settings
):
    """The defect: every save checked the endpoint's address again, changed or not, so an endpoint whose
    address no longer passed (private networks since turned off, a host that stopped resolving) could not be
    switched off or edited at all. The check before each send still refuses to post to it."""
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    endpoint, _ = services.add_endpoint(
        partnership=demo, by=demo_users["coordinator"], **{**ADD, "url": "https://10.0.0.5/hook"}
    )
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    client = client_for("coordinator")
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    client.post(page, form_on(client.get(page), having="revision") | {"description": "Retired"})
    client.post(page, form_on(client.get(page), having="revision") | {"is_active": ""})
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.is_active) == ("Retired", False)
    moved = client.post(page, form_on(client.get(page), having="revision") | {"url": "https://10.0.0.6/"})
    assert "private network" in moved.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://10.0.0.5/hook"


def test_an_address_whose_host_cannot_be_found_is_explained_plainly_and_nothing_is_saved(
    client_for, demo, settings, monkeypatch
):
    """The defect: the page showed the resolver's own words ("[Errno -2] Name or service not known")."""
    settings.SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    def not_found(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    page = client_for("coordinator").post(
        reverse("webhooks:endpoint_add"), {**ADD, "url": "https://automaton.example.org/svtoolkit"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in text
    assert "The endpoint&#x27;s host could not be found: check the address is typed correctly." in text
    assert "Errno" not in text and "Name or service" not in text
    assert not WebhookEndpoint.objects.exists()


def test_a_coordinator_removes_an_endpoint_after_being_asked_and_its_secret_is_erased(
    client_for, demo, demo_users
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    remove = reverse("webhooks:endpoint_remove", args=[endpoint.pk])
    assert remove in client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    asked = client.get(remove)
    question = asked.content.decode()
    assert "Are you sure you want to remove Council Teams channel?" in question
    assert "govuk-warning-text" in question and "govuk-button--warning" in question
    endpoint.refresh_from_db()
    assert endpoint.removed_at is None, "opening the question removes nothing"
    answer = client.post(remove, form_on(asked, having="revision"), follow=True)
    assert answer.redirect_chain[-1][0] == reverse("webhooks:endpoints")
    assert "Council Teams channel was removed" in answer.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.removed_at is not None and endpoint.removed_by == demo_users["coordinator"]
    assert (endpoint.secret, endpoint.is_active) == ("", False)
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, target_type="webhooks.WebhookEndpoint")
    assert (entry.partnership, entry.actor, entry.target_id) == (
        demo,
        demo_users["coordinator"],
        str(endpoint.pk),
    )
    assert entry.detail["url"] == ADD["url"]
    # Its history stays: listed among the removed endpoints, its delivery log still open.
    listed = client.get(reverse("webhooks:endpoints")).content.decode()
    assert "Removed endpoints" in listed and "Council Teams channel" in listed
    assert client.get(reverse("webhooks:deliveries", args=[endpoint.pk])).status_code == 200


@pytest.mark.parametrize("role", ["responder", "police", "health", "viewer", "regional_coordinator"])
def test_only_those_who_manage_webhooks_may_remove_an_endpoint(client_for, demo, demo_users, role):
    endpoint, secret = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for(role)
    remove = reverse("webhooks:endpoint_remove", args=[endpoint.pk])
    assert client.get(remove).status_code == 403
    assert client.post(remove, {"revision": endpoint.revision}).status_code == 403
    endpoint.refresh_from_db()
    assert (endpoint.removed_at, endpoint.secret, endpoint.is_active) == (None, secret, True)


def test_a_removed_endpoints_log_shows_the_events_that_were_waiting_as_not_sent_because_it_was_removed(
    client_for, demo, demo_users
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    services.publish("incident.categorised", partnership=demo, payload={})
    failed_delivery(endpoint, payload={})
    client = client_for("coordinator")
    client.post(reverse("webhooks:endpoint_remove", args=[endpoint.pk]), {"revision": endpoint.revision})
    log = client.get(reverse("webhooks:deliveries", args=[endpoint.pk])).content.decode()
    assert "2 events" in log and "Not sent" in log and "HTTP 503" in log
    assert f"The endpoint was removed by {demo_users['coordinator']} at " in log
    assert "Send again" not in log
    assert "1 not sent" in client.get(reverse("webhooks:endpoints")).content.decode()


def test_an_endpoint_removed_while_a_colleague_edits_it_is_not_brought_back_by_their_save(
    client_for, demo, demo_users
):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    editing = form_on(client.get(page), having="revision")
    client.post(reverse("webhooks:endpoint_remove", args=[endpoint.pk]), {"revision": endpoint.revision})
    refused = client.post(page, editing | {"url": "https://automation.example.org/moved"})
    text = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in text
    assert f"This endpoint was removed by {demo_users['coordinator']} on " in text
    assert "so your changes were not saved" in text
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.is_active, endpoint.secret) == (ADD["url"], False, "")
    assert endpoint.removed_at is not None


def test_a_mistaken_save_of_an_endpoint_removed_meanwhile_says_only_that_it_was_removed(
    client_for, demo, demo_users
):
    """A colleague removed the endpoint while its page was open; what was typed there is also wrong. The
    answer is the removed endpoint's page, saying the changes were not saved as it was removed, and no
    problem with a field the page no longer shows."""
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    editing = form_on(client.get(page), having="revision")
    client.post(reverse("webhooks:endpoint_remove", args=[endpoint.pk]), {"revision": endpoint.revision})
    refused = client.post(page, editing | {"url": "not an address", "event_types": []})
    text = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in text
    assert f"This endpoint was removed by {demo_users['coordinator']} on " in text
    assert "so your changes were not saved" in text
    problems = re.search(r'govuk-error-summary__list">(.*?)</ul>', text, re.S).group(1)
    assert problems.count("<li>") == 1 and "Enter a web address" not in problems
    assert 'name="url"' not in text, "the removed endpoint's page offers no change"
    endpoint.refresh_from_db()
    assert endpoint.url == ADD["url"]
    opened = client.get(page).content.decode()
    assert "Council Teams channel was removed" in opened and "govuk-error-summary" not in opened


def test_removing_an_endpoint_from_a_page_opened_before_a_colleague_changed_it_is_refused(
    client_for, demo, demo_users
):
    endpoint, secret = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    client = client_for("coordinator")
    remove = reverse("webhooks:endpoint_remove", args=[endpoint.pk])
    asked = form_on(client.get(remove), having="revision")
    page = reverse("webhooks:endpoint", args=[endpoint.pk])
    client.post(page, form_on(client.get(page), having="revision") | {"description": "Police system"})
    refused = client.post(remove, asked)
    text = refused.content.decode()
    assert refused.status_code == 200 and "govuk-error-summary" in text
    assert "Someone else changed this endpoint while you were deciding" in text
    assert "Are you sure you want to remove Police system?" in text
    endpoint.refresh_from_db()
    assert (endpoint.removed_at, endpoint.secret, endpoint.description) == (None, secret, "Police system")
    client.post(remove, form_on(refused, having="revision"))
    endpoint.refresh_from_db()
    assert endpoint.removed_at is not None


def test_a_removed_endpoint_is_not_given_a_new_secret_nor_sent_an_event_again(client_for, demo, demo_users):
    endpoint, _ = services.add_endpoint(partnership=demo, by=demo_users["coordinator"], **ADD)
    failed = failed_delivery(endpoint, payload={})
    client = client_for("coordinator")
    client.post(reverse("webhooks:endpoint_remove", args=[endpoint.pk]), {"revision": endpoint.revision})
    endpoint.refresh_from_db()
    refused = client.post(
        reverse("webhooks:endpoint_secret", args=[endpoint.pk]), {"revision": endpoint.revision}, follow=True
    ).content.decode()
    assert "This endpoint was removed" in refused
    again = client.post(reverse("webhooks:delivery_send_again", args=[failed.pk]), follow=True)
    assert "This endpoint was removed" in again.content.decode()
    endpoint.refresh_from_db()
    failed.refresh_from_db()
    assert endpoint.secret == "" and failed.status == WebhookDeliveryStatus.FAILED
    removed_again = client.post(
        reverse("webhooks:endpoint_remove", args=[endpoint.pk]), {"revision": endpoint.revision}
    )
    assert "This endpoint was removed" in removed_again.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE).count() == 1


def test_an_event_sent_again_is_not_shown_with_the_time_its_earlier_send_was_delivered(
    demo, demo_users, endpoint, receiver, client_for
):
    """The defect: sent again, the event kept its earlier delivery time, so the log read "Queued 6 Dec
    05:13:15" while it waited, and "Failed 6 Dec 05:13:15" once the receiver refused it."""
    from django.utils import timezone

    from svtoolkit.webhooks import delivery
    from svtoolkit.webhooks.models import WebhookDelivery

    services.publish("incident.categorised", partnership=demo, payload={})
    delivery.deliver_due()
    delivered = WebhookDelivery.objects.get()
    assert delivered.status == WebhookDeliveryStatus.DELIVERED
    delivered_then = timezone.localtime(delivered.delivered_at).strftime("%H:%M:%S")
    receiver.answers = [410]  # the receiver lost it; sent again, it now refuses it
    services.send_again(delivery=delivered, by=demo_users["coordinator"])
    delivery.deliver_due()

    assert WebhookDelivery.objects.get().status == WebhookDeliveryStatus.FAILED
    log = client_for("coordinator").get(reverse("webhooks:deliveries", args=[endpoint.pk])).content.decode()
    status = re.search(r"Status</dt><dd[^>]*>(.*?)</dd>", log).group(1)
    assert "Failed" in status and delivered_then not in status
