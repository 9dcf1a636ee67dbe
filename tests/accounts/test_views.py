import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts.models import Invitation, Membership, Role, User
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.messaging.delivery import deliver_due
from svtoolkit.messaging.models import Delivery, DeliveryStatus
from tests.accounts.builders import pass_second_factor
from tests.factories import TEST_PASSWORD, MembershipFactory
from tests.page_forms import refused_without_revision, saved_from_two_pages

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def current_code(device, steps_ahead=0):
    """The code the person's app shows now (or after `steps_ahead` 30-second steps: a code is used once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_each_demo_user_signs_in_with_email_in_any_case(client, demo_users):
    for user in demo_users.values():
        response = sign_in(client, user.email.upper())
        assert response.status_code == 302 and response["Location"] == reverse("core:home")
        assert client.get(reverse("core:home")).context["user"] == user
        client.post(reverse("accounts:logout"))
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_IN).count() == len(demo_users)
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_OUT).count() == len(demo_users)


def test_an_account_added_in_the_admin_with_capitals_signs_in_with_its_address_in_any_case(client):
    """The defect: the Django admin kept the address as typed ("Sam.Lee@Example.org"), which no sign-in
    found (each looks the address up in lower case), and an invitation to it made a second account."""
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    signed_in_superuser(client)
    url = reverse("admin:accounts_user_add")
    typed = {"email": " Sam.Lee@Example.org ", "full_name": "Sam Lee"}
    typed |= {"password1": "a long enough passphrase", "password2": "a long enough passphrase"}
    assert client.post(url, form_on(client.get(url), having="email") | typed).status_code == 302
    client.post(reverse("accounts:logout"))

    assert User.objects.filter(email="sam.lee@example.org").exists()
    response = sign_in(client, "Sam.Lee@Example.org", "a long enough passphrase")
    assert response.status_code == 302 and response["Location"] == reverse("core:home")


def test_the_admin_refuses_an_address_another_account_has_in_other_letters(client, demo_users):
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[demo_users["viewer"].pk])
    answer = client.post(url, form_on(client.get(url), having="email") | {"email": "POLICE@example.org"})
    assert answer.status_code == 200 and "User with this Email already exists." in answer.content.decode()
    assert User.objects.get(pk=demo_users["viewer"].pk).email == "viewer@example.org"


def test_wrong_password_gets_a_clear_message_and_is_audited(client, demo_users):
    response = sign_in(client, "coordinator@example.org", "not the password")
    assert response.status_code == 200
    assert "The email address or password is not right" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert response.context["form"]["username"].value() == "coordinator@example.org"  # nothing typed is lost
    assert AuditEntry.objects.filter(
        action=AuditAction.SIGN_IN_FAILED, actor_label="coordinator@example.org"
    ).exists()
    assert "_auth_user_id" not in client.session


def test_malformed_sign_in_is_explained(client, demo):
    response = client.post(reverse("accounts:login"), {"username": "not-an-email", "password": ""})
    content = response.content.decode()
    assert "Enter an email address like name@example.org" in content
    assert "Enter your password" in content


def test_signing_in_with_an_address_longer_than_any_account_keeps_is_refused_on_the_form(client, demo):
    """The defect: an address of 255 to 320 characters passed the form, and the failed sign-in it was met the
    lockout's 255-character record of the attempt: an error page on the public sign-in page (PostgreSQL)."""
    response = sign_in(client, OVERLONG_EMAIL, "a wrong password")
    assert response.status_code == 200
    content = response.content.decode()
    assert "An account&#x27;s email address is 254 characters or fewer" in content
    assert "govuk-error-summary" in content
    assert response.context["form"]["username"].value() == OVERLONG_EMAIL  # nothing typed is lost
    assert "_auth_user_id" not in client.session


def test_account_locks_after_repeated_failures(client, demo_users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "responder@example.org", "wrong password")
    response = sign_in(client, "responder@example.org")  # even the right password is refused now
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).exists()


def test_password_reset_by_email(client, demo_users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "viewer@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    # Sent through the delivery layer, which keeps the link's token only until the email has gone.
    sent = Delivery.objects.get(notification__kind="password_reset")
    assert (sent.address, sent.status) == ("viewer@example.org", DeliveryStatus.SENT)
    assert link.rstrip("/").rsplit("/", 1)[1] not in sent.notification.body
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    demo_users["viewer"].refresh_from_db()
    assert demo_users["viewer"].check_password("a brand new passphrase")


def test_a_password_reset_link_is_on_the_site_whatever_host_the_request_came_to(
    client, demo_users, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://svt.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset"), {"email": "viewer@example.org"}, headers={"host": "localhost"}
        )
    links = re.findall(r"\S+/password/reset/\S+/", mail.outbox[0].body)
    assert len(links) == 1 and links[0].startswith("https://svt.example.org/password/reset/"), links


def test_a_password_reset_the_mail_server_refuses_is_written_to_the_operators_log(
    client, demo_users, smtp_server, caplog
):
    """No partnership's coordinators see a password reset's delivery: a failure for good was recorded on the
    delivery and shown to no one."""
    smtp_server.mode = "reject_address"
    client.post(reverse("accounts:password_reset"), {"email": "viewer@example.org"})
    with caplog.at_level("ERROR", logger="svtoolkit.core.sending"):
        deliver_due()
    failed = Delivery.objects.get(notification__kind="password_reset")
    assert failed.status == DeliveryStatus.FAILED
    [logged] = [record.getMessage() for record in caplog.records if record.name == "svtoolkit.core.sending"]
    assert logged.startswith(f"messaging.Delivery {failed.pk} failed for good: ") and "550" in logged


def test_withdrawing_an_invitation_accepted_since_the_members_page_was_opened_says_what_became_of_it(
    client_for, demo, demo_users
):
    """The defect: pressing Withdraw on an invitation accepted (or withdrawn by a colleague) since the members
    page was opened answered Page not found, though the service says what became of it. Now the members
    page says so, and the person who joined stays a member."""
    from svtoolkit.accounts import services
    from tests.accounts.builders import invite

    invitation = invite(demo, demo_users["coordinator"])
    services.accept_invitation(invitation=invitation, full_name="New Person", password="a long passphrase 1")
    answer = client_for("coordinator").post(
        reverse("accounts:revoke_invitation", args=[invitation.pk]), follow=True
    )
    assert answer.redirect_chain == [(reverse("accounts:members"), 302)]
    assert "has already accepted the invitation and joined the partnership" in answer.content.decode()
    assert Membership.objects.filter(user__email="new.person@example.org", partnership=demo).exists()


def test_quiet_hours_are_shown_as_the_page_takes_them_and_saved_again_unchanged(client_for, demo_users):
    """The defect: quiet hours saved as 22:00 to 07:00 were shown again as 22:00:00 and 07:00:00, which the
    page then refused ("Enter a valid time"): changing anything else on it meant typing both times again."""
    from datetime import time

    from tests.page_forms import form_on

    police = demo_users["police"]
    police.quiet_from, police.quiet_until = time(22, 0), time(7, 0)
    police.save(update_fields=["quiet_from", "quiet_until"])
    client = client_for("police")
    url = reverse("accounts:contact_preferences")
    shown = form_on(client.get(url), having="quiet_from")
    assert (shown["quiet_from"], shown["quiet_until"]) == ("22:00", "07:00")
    assert client.post(url, shown | {"mobile_number": "07700 900 999"}).status_code == 302
    police.refresh_from_db()
    assert (police.mobile_number, police.quiet_from, police.quiet_until) == ("07700900999", time(22), time(7))


def test_password_reset_for_unknown_address_reveals_nothing(client, demo):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_coordinator_invites_and_invitee_joins(client, demo, demo_users, django_capture_on_commit_callbacks):
    client.force_login(demo_users["coordinator"], backend="svtoolkit.accounts.backends.PersonBackend")
    police_org = demo.organisations.get(kind="police")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invite"),
            {
                "full_name": "Sam Lee",
                "email": "sam.lee@example.org",
                "role": Role.PARTNER,
                "organisation": police_org.pk,
            },
        )
    assert response.status_code == 302
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    client.post(reverse("accounts:logout"))

    path = link.split("8000", 1)[1] if "8000" in link else link
    page = client.get(path)
    assert "Create account and join" in page.content.decode()
    mismatch = client.post(
        path, {"full_name": "Sam Lee", "password1": "first passphrase here", "password2": "other"}
    )
    assert "The passwords do not match" in mismatch.content.decode()
    assert mismatch.context["form"]["full_name"].value() == "Sam Lee"
    assert not User.objects.filter(email="sam.lee@example.org").exists()

    joined = client.post(
        path,
        {
            "full_name": "Sam Lee",
            "password1": "a good long passphrase",
            "password2": "a good long passphrase",
        },
    )
    assert joined["Location"] == reverse("core:home")
    membership = Membership.objects.get(user__email="sam.lee@example.org")
    assert (membership.partnership, membership.role, membership.organisation) == (
        demo,
        Role.PARTNER,
        police_org,
    )
    assert client.get(path).status_code == 410  # used once


def test_invalid_invitation_form_changes_nothing(client_for, demo):
    client = client_for("coordinator")
    response = client.post(reverse("accounts:invite"), {"full_name": "", "email": "nope", "role": "boss"})
    content = response.content.decode()
    for message in [
        "Enter the person&#x27;s full name",
        "Enter an email address like name@example.org",
        "Select a valid choice",
    ]:
        assert message in content
    assert not Invitation.objects.exists()


# A valid address by its shape (a 64-character name, four 60-character labels) that no account can keep: an
# address is at most 254 characters (RFC 5321), and Django's form field alone lets 320 through.
OVERLONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org"


def test_an_address_longer_than_any_account_keeps_is_refused_on_the_invitation_form(client_for, demo):
    """The defect: an address of 255 to 320 characters passed the form and met the database's 254-character
    column, an error page (PostgreSQL) with what was typed lost."""
    assert 254 < len(OVERLONG_EMAIL) <= 320
    typed = {"full_name": "Long Address", "email": OVERLONG_EMAIL, "role": Role.VIEWER}
    response = client_for("coordinator").post(reverse("accounts:invite"), typed)
    assert response.status_code == 200
    assert "The email address must be 254 characters or fewer" in response.content.decode()
    assert response.context["form"]["email"].value() == OVERLONG_EMAIL  # nothing typed is lost
    assert not Invitation.objects.exists()


def test_expired_invitation_link_explains_itself(client, demo):
    token = "expired-token"
    Invitation.objects.create(
        partnership=demo,
        email="late@example.org",
        full_name="Late",
        role=Role.VIEWER,
        token_hash=Invitation.hash_token(token),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    response = client.get(reverse("accounts:accept_invitation", args=[token]))
    assert response.status_code == 410
    assert "This invitation cannot be used" in response.content.decode()
    assert client.get(reverse("accounts:accept_invitation", args=["made-up"])).status_code == 404


def test_another_partnerships_membership_is_not_found(client_for, other_partnership):
    _, foreign = other_partnership
    client = client_for("coordinator")
    assert client.get(reverse("accounts:member_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("accounts:member_remove", args=[foreign.pk])).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_coordinator_changes_a_role(client_for, demo_users):
    membership = Membership.objects.get(user=demo_users["viewer"])
    response = client_for("coordinator").post(
        reverse("accounts:member_edit", args=[membership.pk]),
        {"role": Role.RESPONDER, "organisation": "", "revision": membership.revision},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.RESPONDER


def test_two_coordinators_changing_one_member_at_once_keep_both_changes(client_for, demo, demo_users):
    membership = Membership.objects.get(user=demo_users["viewer"])
    organisation = demo.organisations.filter(is_active=True).exclude(pk=membership.organisation_id).first()
    url = reverse("accounts:member_edit", args=[membership.pk])
    saved_from_two_pages(
        client_for("coordinator"),
        url,
        first={"role": Role.RESPONDER},
        second={"organisation": str(organisation.pk)},
    )
    membership.refresh_from_db()
    assert (membership.role, membership.organisation) == (Role.RESPONDER, organisation)


def test_a_member_changed_without_the_revision_keeps_a_colleagues_change(client_for, demo_users):
    membership = Membership.objects.get(user=demo_users["viewer"])
    refused_without_revision(
        client_for("coordinator"),
        reverse("accounts:member_edit", args=[membership.pk]),
        first={"role": Role.RESPONDER},
        second={"role": Role.COORDINATOR},
    )
    membership.refresh_from_db()
    assert membership.role == Role.RESPONDER


def test_member_removal(client_for, demo_users):
    membership = Membership.objects.get(user=demo_users["health"])
    client_for("coordinator").post(reverse("accounts:member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, target_type="accounts.Membership").exists()


def test_removing_the_last_coordinator_is_refused_on_the_confirmation_page(client_for, demo_users):
    membership = Membership.objects.get(user=demo_users["coordinator"])
    response = client_for("coordinator").post(reverse("accounts:member_remove", args=[membership.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Remove" in page
    assert "A partnership needs at least one coordinator who can sign in. Make someone else" in page
    assert Membership.objects.filter(pk=membership.pk, role=Role.COORDINATOR).exists()


def test_someone_signed_in_as_another_person_is_told_on_the_page_why_they_cannot_join(
    client_for, demo, demo_users
):
    token = "for-someone-else"
    invitation = Invitation.objects.create(
        partnership=demo,
        email="new.person@example.org",
        full_name="New Person",
        role=Role.VIEWER,
        invited_by=demo_users["coordinator"],
        token_hash=Invitation.hash_token(token),
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = client_for("viewer")
    url = reverse("accounts:accept_invitation", args=[token])
    assert "Join the partnership" in client.get(url).content.decode()
    response = client.post(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Join" in page
    assert "This invitation is for new.person@example.org. Sign out and open the link again." in page
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_two_factor_setup_then_required_at_next_sign_in(client, demo_users):
    sign_in(client, "responder@example.org")
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=demo_users["responder"])
    wrong = client.post(
        reverse("accounts:two_factor_setup"),
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert "That code is not right" in wrong.content.decode()
    # django-otp throttles after a wrong code; move its clock past the pause rather than sleeping.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    client.post(reverse("accounts:two_factor_setup"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    client.post(reverse("accounts:logout"))

    sign_in(client, "responder@example.org")
    gate = client.get(reverse("accounts:members"))
    assert gate.status_code == 302 and gate["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    device.refresh_from_db()
    verified = client.post(
        reverse("accounts:two_factor_verify") + "?next=/organisations/",
        {"token": current_code(device, steps_ahead=1), "next": "/organisations/"},
    )
    assert verified["Location"] == "/organisations/"
    assert client.get(reverse("core:home")).status_code == 200


def test_partnership_can_require_two_factor(client_for, client, demo, demo_users):
    pass_second_factor(client_for("coordinator"), demo_users["coordinator"])
    client.post(
        reverse("accounts:partnership_security"),
        {"require_two_factor": "on", "revision": demo.two_factor_revision},
    )
    demo.refresh_from_db()
    assert demo.require_two_factor
    client.post(reverse("accounts:logout"))
    sign_in(client, "viewer@example.org")
    response = client.get(reverse("core:home"))
    assert response["Location"] == reverse("accounts:two_factor_setup")


def test_switching_partnership(client, demo_users, other_partnership):
    partnership, _ = other_partnership
    MembershipFactory(user=demo_users["police"], partnership=partnership, role=Role.VIEWER)
    client.force_login(demo_users["police"], backend="svtoolkit.accounts.backends.PersonBackend")
    assert client.get(reverse("core:home")).context["current_partnership"].slug == "northbridge"
    client.post(reverse("accounts:switch_partnership"), {"partnership": partnership.pk})
    assert client.get(reverse("core:home")).context["current_partnership"] == partnership


def test_cannot_switch_to_a_partnership_one_does_not_belong_to(client_for, other_partnership):
    partnership, _ = other_partnership
    client = client_for("police")
    for refused in ({"partnership": partnership.pk}, {}):
        answer = client.post(reverse("accounts:switch_partnership"), refused, follow=True)
        assert "Choose one of your partnerships" in answer.content.decode()
    assert client.get(reverse("core:home")).context["current_partnership"].slug == "northbridge"


def test_session_expires_after_inactivity(client_for):
    client = client_for("viewer")
    client.get(reverse("core:home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    assert client.get(reverse("core:home")).status_code == 302


def test_password_alone_cannot_replace_an_existing_authenticator(client, demo_users):
    user = demo_users["responder"]
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    sign_in(client, user.email)
    for response in (
        client.get(reverse("accounts:two_factor_setup")),
        client.post(reverse("accounts:two_factor_setup"), {"token": "123456"}),
        client.post(reverse("accounts:two_factor_remove")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert not client.get(reverse("accounts:two_factor_verify")).context["user"].is_verified()


def test_password_changes_are_audited(client_for, demo_users):
    client = client_for("health")
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "fresh long passphrase",
            "new_password2": "fresh long passphrase",
        },
    )
    demo_users["health"].refresh_from_db()
    assert demo_users["health"].check_password("fresh long passphrase")
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, actor=demo_users["health"])
    assert entry.detail == {"what": "password"}


def test_wrong_current_passwords_are_failed_sign_ins_and_lock_the_account(client_for, demo_users):
    user = demo_users["health"]
    client = client_for("health")
    new_password = {"new_password1": "fresh long passphrase", "new_password2": "fresh long passphrase"}
    for _ in range(6):
        wrong = client.post(reverse("accounts:password_change"), {"old_password": "wrong", **new_password})
        assert wrong.status_code == 200 and "govuk-error-summary" in wrong.content.decode()

    right = client.post(reverse("accounts:password_change"), {"old_password": TEST_PASSWORD, **new_password})
    page = right.content.decode()
    assert right.status_code == 200 and "govuk-error-summary" in page
    assert "You have entered a wrong password too many times" in page
    assert "blocked for 15 minutes" in page
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE, actor=user).exists()
    # Six wrong passwords and the right one refused, each a failed sign-in; the lockout is recorded.
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor_label=user.email).count() == 7
    assert AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT, actor_label=user.email).exists()
    client.post(reverse("accounts:logout"))
    assert sign_in(client, user.email).status_code == 429


def test_signed_in_pages_are_not_cached(client_for):
    response = client_for("viewer").get(reverse("core:home"))
    assert "no-store" in response["Cache-Control"]


def test_lockout_page_states_the_configured_time(client, demo_users, settings):
    settings.AXES_COOLOFF_TIME = 1.5  # hours
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "viewer@example.org", "wrong password")
    content = sign_in(client, "viewer@example.org").content.decode()
    assert "blocked for 1 hour 30 minutes" in content


@pytest.mark.parametrize("how", ["steps down to responder", "removes themselves"])
def test_a_coordinator_who_steps_down_goes_home_not_to_a_page_they_may_no_longer_open(
    client_for, demo, demo_users, how
):
    """The defect: sent on to the members page, which they may no longer open, they met "You do not have
    access to this page … The attempt has been recorded", and a refused attempt was written in their name."""
    MembershipFactory(partnership=demo, role=Role.COORDINATOR)  # the partnership keeps a coordinator
    client = client_for("coordinator")
    own = Membership.objects.get(user=demo_users["coordinator"], partnership=demo)
    if how == "steps down to responder":
        response = client.post(
            reverse("accounts:member_edit", args=[own.pk]),
            {"role": Role.RESPONDER, "organisation": "", "revision": own.revision},
            follow=True,
        )
    else:
        response = client.post(reverse("accounts:member_remove", args=[own.pk]), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("core:home")
    assert not AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def test_the_account_page_of_an_account_made_by_single_sign_on_offers_to_set_a_password_not_change_one(
    client, demo
):
    """The defect: it said "Password: Set" and offered to change it, asking for a current password the
    account never had."""
    from tests.conftest import MODEL_BACKEND

    person = User.objects.create_user("sso.person@example.org", None, full_name="Sam Single")
    MembershipFactory(user=person, partnership=demo, role=Role.VIEWER)
    client.force_login(person, backend=MODEL_BACKEND)

    page = client.get(reverse("accounts:account")).content.decode()

    row = page.split("Password</dt>", 1)[1].split("</div>", 1)[0]
    assert "Set</dd>" not in row and reverse("accounts:password_change") not in row
    assert "Not set" in row and reverse("accounts:password_reset") in row
