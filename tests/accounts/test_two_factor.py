"""Backup codes (shown once, single use, replaceable, audited) and the second factor coordinators need."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit.accounts import services
from svtoolkit.accounts.models import User
from svtoolkit.accounts.selectors import (
    IDENTITY_PROVIDER_MFA_SESSION_KEY,
    backup_codes_left,
    coordinator_home_section,
)
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from tests.accounts.builders import pass_second_factor
from tests.factories import TEST_PASSWORD, ContactImportFactory
from tests.incidents.builders import demo_incident
from tests.page_forms import refused_without_revision, saved_from_two_pages

pytestmark = pytest.mark.django_db

# What a page's live part sends when it asks for itself again (the incident page, region board, an import).
LIVE_POLL = {"HTTP_HX_REQUEST": "true", "HTTP_X_SVT_BACKGROUND": "true"}


def with_backup_codes(user):
    TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return services.generate_backup_codes(user=user)


def sign_in_with_password(client, user):
    client.post(reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD})


def test_ten_backup_codes_replace_the_old_ones_and_each_making_is_audited(demo_users):
    user = demo_users["responder"]
    first = with_backup_codes(user)
    assert len(first) == len(set(first)) == 10
    second = services.generate_backup_codes(user=user)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(second)
    assert not set(first) & set(second)
    made = AuditEntry.objects.filter(
        action=AuditAction.CREATE, actor=user, target_type="otp_static.StaticDevice"
    )
    assert [entry.detail for entry in made] == [{"what": "backup codes", "count": 10}] * 2


def test_backup_codes_need_an_authenticator_first(demo_users):
    with pytest.raises(DomainError, match="Set up an authenticator app first"):
        services.generate_backup_codes(user=demo_users["viewer"])
    assert not StaticDevice.objects.exists()


def test_the_code_page_accepts_a_backup_code_once(client, demo_users):
    user = demo_users["responder"]
    codes = with_backup_codes(user)
    sign_in_with_password(client, user)
    typed = f"{codes[0][:4].upper()} {codes[0][4:]}"  # as read off paper, in two groups, in capitals
    response = client.post(reverse("accounts:two_factor_verify"), {"token": typed, "next": "/organisations/"})
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    assert client.get(reverse("core:home")).status_code == 200
    assert backup_codes_left(user) == 9
    used = AuditEntry.objects.get(action=AuditAction.SIGN_IN, actor=user, detail__with="backup code")
    assert used.detail == {"step": "two-factor", "with": "backup code", "codes_left": 9}

    client.post(reverse("accounts:logout"))
    sign_in_with_password(client, user)
    again = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor=user).count() == 1
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_a_malformed_code_is_explained_and_changes_nothing(client, demo_users):
    user = demo_users["responder"]
    with_backup_codes(user)
    sign_in_with_password(client, user)
    response = client.post(reverse("accounts:two_factor_verify"), {"token": "12345"})
    assert "Enter the 6 digits from your app" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert backup_codes_left(user) == 10


def test_backup_codes_are_shown_once_on_their_page(client, demo_users):
    user = demo_users["police"]
    client.force_login(user, backend="svtoolkit.accounts.backends.PersonBackend")
    pass_second_factor(client, user)
    made = client.post(reverse("accounts:backup_codes"))
    codes = made.context["codes"]
    assert all(code in made.content.decode() for code in codes)
    listing = client.get(reverse("accounts:backup_codes")).content.decode()
    assert "You have 10 unused backup codes" in listing
    assert not any(code in listing for code in codes)
    assert "no-store" in made["Cache-Control"]


def test_a_password_alone_cannot_see_or_make_backup_codes(client, demo_users):
    user = demo_users["responder"]
    with_backup_codes(user)
    before = set(StaticToken.objects.values_list("token", flat=True))
    sign_in_with_password(client, user)
    for response in (
        client.get(reverse("accounts:backup_codes")),
        client.post(reverse("accounts:backup_codes")),
    ):
        assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert set(StaticToken.objects.values_list("token", flat=True)) == before


def test_without_an_authenticator_the_page_explains_and_makes_none(client_for):
    response = client_for("viewer").post(reverse("accounts:backup_codes"))
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Backup codes" in page
    assert "Set up an authenticator app first" in page
    assert not StaticDevice.objects.exists()


def test_turning_two_factor_off_removes_the_backup_codes(demo_users):
    user = demo_users["viewer"]
    with_backup_codes(user)
    services.remove_authenticator(user=user)
    assert backup_codes_left(user) == 0 and not StaticDevice.objects.filter(user=user).exists()


def test_setting_up_an_authenticator_leads_to_making_backup_codes(client, demo_users):
    from tests.accounts.builders import current_code

    sign_in_with_password(client, demo_users["viewer"])
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=demo_users["viewer"])
    response = client.post(reverse("accounts:two_factor_setup"), {"token": current_code(device)})
    assert response["Location"] == reverse("accounts:backup_codes")


# --- Coordinators and the partnership's requirement ------------------------------------------------------


def test_a_coordinator_with_only_a_password_cannot_change_the_requirement(client_for, demo, demo_users):
    client = client_for("coordinator")
    page = client.get(reverse("accounts:partnership_security")).content.decode()
    assert "You signed in with a password only" in page
    response = client.post(reverse("accounts:partnership_security"), {"require_two_factor": "on"})
    assert response.status_code == 200
    assert "Use two-factor sign-in yourself" in response.content.decode()
    demo.refresh_from_db()
    assert not demo.require_two_factor
    assert not AuditEntry.objects.filter(target_type="partnerships.Partnership", action=AuditAction.UPDATE)


def test_a_coordinator_who_passed_a_second_factor_turns_the_requirement_on_and_off(
    client_for, demo, demo_users
):
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    for value, expected in (({"require_two_factor": "on"}, True), ({"require_two_factor": ""}, False)):
        client.post(reverse("accounts:partnership_security"), value | {"revision": demo.two_factor_revision})
        demo.refresh_from_db()
        assert demo.require_two_factor is expected


def test_a_requirement_turned_off_is_not_turned_on_again_by_a_page_opened_before(
    client_for, demo, demo_users
):
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    refused = saved_from_two_pages(
        client,
        reverse("accounts:partnership_security"),
        first={"require_two_factor": ""},
        second={},  # saved as it was shown, still ticked
        having="require_two_factor",
    )
    assert "Someone else changed the two-factor sign-in setting" in refused.content.decode()
    demo.refresh_from_db()
    assert not demo.require_two_factor


def test_a_requirement_turned_off_is_not_turned_on_again_by_a_page_sent_without_its_revision(
    client_for, demo, demo_users
):
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    client = client_for("coordinator")
    pass_second_factor(client, demo_users["coordinator"])
    refused_without_revision(
        client,
        reverse("accounts:partnership_security"),
        first={"require_two_factor": ""},
        second={},  # sent as it was shown, still ticked
        having="require_two_factor",
    )
    demo.refresh_from_db()
    assert not demo.require_two_factor


def test_an_identity_providers_mfa_counts_for_the_coordinator(client_for, demo):
    client = client_for("coordinator")
    session = client.session
    session[IDENTITY_PROVIDER_MFA_SESSION_KEY] = True
    session.save()
    client.post(
        reverse("accounts:partnership_security"),
        {"require_two_factor": "on", "revision": demo.two_factor_revision},
    )
    demo.refresh_from_db()
    assert demo.require_two_factor


def test_once_required_a_coordinator_without_an_authenticator_is_sent_to_set_one_up(client_for, demo):
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    client = client_for("coordinator")
    for name in ("accounts:partnership_security", "accounts:members", "api:tokens"):
        assert client.get(reverse(name))["Location"] == reverse("accounts:two_factor_setup")


def test_a_live_panel_asking_after_two_factor_became_required_sends_the_whole_page_to_set_it_up(
    client_for, demo, demo_users
):
    """An incident page open when its partnership starts requiring two-factor: a plain redirect would be
    followed by the browser, and the set-up page swapped into the live panel, a page inside the page."""
    incident, _ = demo_incident(demo, demo_users)
    client = client_for("responder")
    page = reverse("incidents:incident", args=[incident.pk])
    assert client.get(page, **LIVE_POLL).status_code == 200
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])

    poll = client.get(page, **LIVE_POLL)
    assert poll.status_code == 200 and poll["HX-Redirect"] == reverse("accounts:two_factor_setup")
    assert "Location" not in poll and poll.content == b""
    # Opened as a page (without JavaScript, or once htmx has followed the header): the usual redirect.
    assert client.get(page)["Location"] == reverse("accounts:two_factor_setup")


def test_a_live_part_asking_once_an_authenticator_was_set_up_elsewhere_sends_the_page_for_its_code(
    client_for, demo, demo_users
):
    job = ContactImportFactory(partnership=demo, total_rows=1000)
    client = client_for("coordinator")
    page = reverse("partnerships:contact_import", args=[job.pk])
    assert client.get(page, **LIVE_POLL).status_code == 200
    TOTPDevice.objects.create(user=demo_users["coordinator"], name="Phone", confirmed=True)

    poll = client.get(page, **LIVE_POLL)
    assert poll["HX-Redirect"] == f"{reverse('accounts:two_factor_verify')}?next={page.replace('/', '%2F')}"
    assert "Location" not in poll and poll.content == b""


def test_a_coordinator_with_only_a_password_cannot_let_the_providers_mfa_stand_in(client_for, demo):
    client = client_for("coordinator")
    assert (
        "You signed in with a password only"
        in client.get(reverse("accounts:partnership_sso")).content.decode()
    )
    response = client.post(
        reverse("accounts:partnership_sso"),
        {
            "domains": "example.org",
            "self_registration_domains": "example.org",
            "accept_identity_provider_mfa": "on",
        },
    )
    assert response.status_code == 200
    assert "Use two-factor sign-in yourself" in response.content.decode()
    demo.refresh_from_db()
    assert not demo.accept_identity_provider_mfa and not demo.sign_in_domains.exists()


def test_over_https_the_code_page_does_not_follow_a_plain_http_link_to_the_same_site(client, demo_users):
    user = demo_users["responder"]
    codes = with_backup_codes(user)
    client.post(reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}, secure=True)
    plain = "http://testserver/organisations/"
    response = client.post(
        reverse("accounts:two_factor_verify") + f"?next={plain}",
        {"token": codes[0], "next": plain},
        secure=True,
    )
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    already = client.get(reverse("accounts:two_factor_verify") + f"?next={plain}", secure=True)
    assert already["Location"] == reverse("core:home")
    followed = client.get(
        reverse("accounts:two_factor_verify") + "?next=https://testserver/organisations/", secure=True
    )
    assert followed["Location"] == "https://testserver/organisations/"


def test_the_members_still_to_set_up_two_factor_leave_out_accounts_switched_off(demo, demo_users):
    """The defect: the coordinator's home page counted accounts switched off among the members still to set up
    two-factor sign-in, though they cannot sign in to do so."""
    demo.require_two_factor = True
    demo.save(update_fields=["require_two_factor"])
    switched_off = demo_users["viewer"]
    User.objects.filter(pk=switched_off.pk).update(is_active=False)

    section = coordinator_home_section(user=demo_users["coordinator"], partnership=demo)

    waiting = {membership.user for membership in section["members_without_two_factor"]}
    assert demo_users["responder"] in waiting and switched_off not in waiting
