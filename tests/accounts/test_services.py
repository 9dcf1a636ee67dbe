import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from svtoolkit.accounts import services
from svtoolkit.accounts.models import Invitation, Membership, Role
from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core.errors import DomainError
from svtoolkit.messaging.models import Notification
from svtoolkit.messaging.tasks import deliver_notifications
from tests.accounts.builders import invite
from tests.factories import MembershipFactory, OrganisationFactory
from tests.incidents.builders import SHARE_BASIS

pytestmark = pytest.mark.django_db


def test_invitation_email_carries_a_working_single_use_link(
    demo, demo_users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(demo, demo_users["coordinator"])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    token = re.search(r"/invitations/(\S+)/", message.body).group(1)
    invitation.refresh_from_db()
    assert invitation.token_hash == Invitation.hash_token(token)  # only the hash is stored

    user = services.accept_invitation(
        invitation=invitation, full_name="New Person", password="a long passphrase"
    )
    assert Membership.objects.get(user=user, partnership=demo).role == Role.RESPONDER
    assert user.check_password("a long passphrase")
    with pytest.raises(DomainError, match="expired or has already been used"):
        services.accept_invitation(invitation=invitation, full_name="Someone", password="another passphrase")


def test_invitation_secret_is_never_stored_in_the_task_queue(
    demo, demo_users, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with django_capture_on_commit_callbacks(execute=True):
        invite(demo, demo_users["coordinator"])
    queued = DBTaskResult.objects.get()
    assert mail.outbox == []  # waiting for the worker
    notification = Notification.objects.get(kind="invitation")
    assert queued.args_kwargs == {"args": [], "kwargs": {"notification_ids": [notification.pk]}}
    # Run it as the worker would (the worker itself closes database connections, so not inside a test).
    deliver_notifications.call(**queued.args_kwargs["kwargs"])
    token = re.search(r"/invitations/(\S+)/", mail.outbox[0].body).group(1)
    assert token not in json.dumps(queued.args_kwargs)
    notification.refresh_from_db()
    assert token not in notification.body  # kept only until the email had gone


def test_expired_invitation_cannot_be_accepted(demo, demo_users):
    invite(demo, demo_users["coordinator"])
    invitation = Invitation.objects.get()
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    with pytest.raises(DomainError):
        services.accept_invitation(invitation=invitation, full_name="X", password="a long passphrase")
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()


def _removed(membership, coordinator):
    services.remove_member(membership=membership, by=coordinator)


def _made_viewer(membership, coordinator):
    services.change_membership(
        membership=membership, role=Role.VIEWER, organisation=None, expected_revision=1, by=coordinator
    )


def _switched_off(membership, coordinator):
    membership.user.is_active = False
    membership.user.save()


@pytest.mark.parametrize("inviter_loses_the_role", [_removed, _made_viewer, _switched_off])
def test_an_invitation_stops_working_once_whoever_sent_it_may_no_longer_invite(
    demo, demo_users, client, inviter_loses_the_role
):
    """The defect: a coordinator taken out of the partnership, made a viewer or switched off could still let
    people in, with the role they chose, through invitations sent before."""
    from django.urls import reverse

    inviter = MembershipFactory(partnership=demo, role=Role.COORDINATOR)
    invite(demo, inviter.user, role=Role.COORDINATOR)
    invitation = Invitation.objects.get()
    inviter_loses_the_role(inviter, demo_users["coordinator"])

    with pytest.raises(DomainError, match="no longer"):
        services.accept_invitation(invitation=invitation, full_name="X", password="a long passphrase")
    assert not Membership.objects.filter(user__email="new.person@example.org").exists()
    token = re.search(r"/invitations/(\S+)/", Notification.objects.get(kind="invitation").body).group(1)
    assert client.get(reverse("accounts:accept_invitation", args=[token])).status_code == 410


def _withdrawals_of(invitation):
    return AuditEntry.objects.filter(
        action=AuditAction.DELETE, target_type="accounts.Invitation", target_id=str(invitation.pk)
    ).count()


def test_an_invitation_accepted_since_the_page_was_opened_is_not_withdrawn_and_the_coordinator_is_told(
    demo, demo_users
):
    invitation = invite(demo, demo_users["coordinator"])
    opened = Invitation.objects.get(pk=invitation.pk)  # as the members page read it, still pending
    user = services.accept_invitation(invitation=invitation, full_name="New Person", password="a passphrase")

    with pytest.raises(DomainError, match="has already accepted the invitation .* remove their membership"):
        services.revoke_invitation(invitation=opened, by=demo_users["coordinator"])
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Membership.objects.filter(user=user, partnership=demo).exists()
    assert _withdrawals_of(invitation) == 0


def test_withdrawing_an_invitation_twice_withdraws_it_once(demo, demo_users):
    invitation = invite(demo, demo_users["coordinator"])
    opened = Invitation.objects.get(pk=invitation.pk)
    services.revoke_invitation(invitation=invitation, by=demo_users["coordinator"])
    withdrawn_at = Invitation.objects.get(pk=invitation.pk).revoked_at

    with pytest.raises(DomainError, match="has already been withdrawn"):
        services.revoke_invitation(invitation=opened, by=demo_users["coordinator"])
    assert Invitation.objects.get(pk=invitation.pk).revoked_at == withdrawn_at
    assert _withdrawals_of(invitation) == 1


def test_existing_member_cannot_be_invited_again(demo, demo_users):
    with pytest.raises(DomainError, match="already a member"):
        invite(demo, demo_users["coordinator"], email="POLICE@example.org")
    assert not Invitation.objects.exists()


def test_partner_invitation_needs_an_organisation(demo, demo_users):
    with pytest.raises(DomainError, match="organisation"):
        invite(demo, demo_users["coordinator"], role=Role.PARTNER)


def test_new_invitation_replaces_a_pending_one(demo, demo_users):
    invite(demo, demo_users["coordinator"])
    invite(demo, demo_users["coordinator"])
    assert [i.is_pending for i in Invitation.objects.order_by("created_at", "pk")] == [False, True]


def test_an_invitation_replaced_by_a_newer_one_is_audited_as_withdrawn(demo, demo_users):
    """The defect: a newer invitation to the same address withdrew the pending one with no audit entry, so
    the log could not tell why a link stopped working, nor who stopped it."""
    first = invite(demo, demo_users["coordinator"])
    second = invite(demo, demo_users["coordinator"], role=Role.VIEWER)

    assert _withdrawals_of(first) == 1
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, target_id=str(first.pk))
    assert (entry.actor, entry.partnership) == (demo_users["coordinator"], demo)
    assert entry.detail == {"replaced_by": second.pk}
    assert _withdrawals_of(second) == 0


def test_existing_user_accepts_invitation_to_a_second_partnership(demo, demo_users, other_partnership):
    partnership, coordinator = other_partnership
    services.invite_member(
        partnership=partnership,
        email="police@example.org",
        full_name="Pat Hughes",
        role=Role.PARTNER,
        organisation=OrganisationFactory(partnership=partnership),
        invited_by=coordinator.user,
    )
    invitation = Invitation.objects.get(partnership=partnership)
    services.accept_invitation(invitation=invitation, existing_user=demo_users["police"])
    assert set(demo_users["police"].memberships.values_list("partnership__slug", flat=True)) == {
        "northbridge",
        "southmoor",
    }


def test_invitation_for_someone_else_is_refused(demo, demo_users):
    invite(demo, demo_users["coordinator"])
    with pytest.raises(DomainError, match="This invitation is for new.person@example.org"):
        services.accept_invitation(invitation=Invitation.objects.get(), existing_user=demo_users["viewer"])


def refused_to_step_down_or_be_removed(membership):
    """``membership`` (a coordinator's) can neither be made a viewer nor removed, and stays a coordinator."""
    with pytest.raises(DomainError, match="at least one coordinator who can sign in"):
        services.change_membership(
            membership=membership,
            role=Role.VIEWER,
            organisation=None,
            expected_revision=membership.revision,
            by=membership.user,
        )
    with pytest.raises(DomainError, match="at least one coordinator who can sign in"):
        services.remove_member(membership=membership, by=membership.user)
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_last_coordinator_cannot_step_down_or_be_removed(demo, demo_users):
    refused_to_step_down_or_be_removed(Membership.objects.get(user=demo_users["coordinator"]))


def test_a_coordinator_cannot_step_down_while_the_only_other_coordinators_account_is_switched_off(
    demo, demo_users
):
    """The defect: a coordinator whose account is switched off (who cannot sign in) was counted as the one
    left, so the last coordinator who could sign in stepped down, or was removed, and nobody could manage the
    members any more."""
    from tests.factories import UserFactory

    MembershipFactory(partnership=demo, role=Role.COORDINATOR, user=UserFactory(is_active=False))
    refused_to_step_down_or_be_removed(
        Membership.objects.get(user=demo_users["coordinator"], partnership=demo)
    )


def test_coordinator_can_step_down_once_another_exists(demo, demo_users):
    MembershipFactory(partnership=demo, role=Role.COORDINATOR)
    membership = Membership.objects.get(user=demo_users["coordinator"])
    services.change_membership(
        membership=membership,
        role=Role.VIEWER,
        organisation=None,
        expected_revision=membership.revision,
        by=membership.user,
    )
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, target_id=str(membership.pk))
    assert entry.detail["before"]["role"] == "coordinator"
    assert entry.detail["after"]["role"] == "viewer"


def test_authenticator_cannot_be_removed_when_the_partnership_requires_it(demo, demo_users):
    demo.require_two_factor = True
    demo.save()
    device = services.start_authenticator_setup(user=demo_users["responder"])
    device.confirmed = True
    device.save()
    with pytest.raises(DomainError):
        services.remove_authenticator(user=demo_users["responder"])
    assert demo_users["responder"].totpdevice_set.filter(confirmed=True).exists()


# --- Need-to-know follows membership (security review, issue 14) ----------------------------------------


@pytest.fixture
def incident_with_person(demo, demo_users):
    from svtoolkit.incidents.people import services as people_services
    from tests.incidents.builders import demo_incident, demo_person

    incident, _ = demo_incident(demo, demo_users)
    demo_person(incident, demo_users["responder"])
    people_services.add_to_need_to_know(
        incident=incident, user=demo_users["police"], by=demo_users["responder"]
    )
    return incident


def test_a_removed_member_invited_back_cannot_open_people_affected(
    demo, demo_users, incident_with_person, client
):
    from django.urls import reverse

    from svtoolkit.accounts.models import User
    from svtoolkit.incidents.models import NeedToKnow
    from tests.conftest import MODEL_BACKEND

    coordinator, police = demo_users["coordinator"], demo_users["police"]
    membership = Membership.objects.get(user=police, partnership=demo)
    police_organisation = membership.organisation
    services.remove_member(membership=membership, by=coordinator)

    assert not NeedToKnow.objects.filter(incident=incident_with_person, user=police).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, target_type="incidents.NeedToKnow")
    assert entry.detail == {"user": "police@example.org", "reason": "left the partnership"}
    assert entry.actor == coordinator
    assert incident_with_person.timeline.filter(text__contains="taken off the need-to-know list").exists()

    invite(demo, coordinator, email=police.email, role=Role.PARTNER, organisation=police_organisation)
    services.accept_invitation(invitation=Invitation.objects.get(email=police.email), existing_user=police)
    client.force_login(User.objects.get(pk=police.pk), backend=MODEL_BACKEND)
    person = incident_with_person.people.get()
    answer = client.post(
        reverse("incidents:person", kwargs={"incident_id": incident_with_person.pk, "person_id": person.pk}),
        {"reason": "Checking the referral"},
    )
    assert answer.status_code == 403
    assert "J. S." not in answer.content.decode()


def test_a_membership_deleted_in_the_admin_takes_the_person_off_what_the_members_page_would(
    demo, demo_users, incident_with_person, client
):
    """The defect: a membership deleted through the Django admin left the person on the need-to-know lists
    and their API token working, so an invitation back reopened both."""
    from django.urls import reverse

    from svtoolkit.api.services import create_token
    from svtoolkit.incidents.models import NeedToKnow
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    police = demo_users["police"]
    token, _ = create_token(user=police, partnership=demo, name="Duty system")
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[police.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {"memberships-0-DELETE": "on"}
    assert client.post(url, typed).status_code == 302

    assert not Membership.objects.filter(user=police, partnership=demo).exists()
    assert not NeedToKnow.objects.filter(incident=incident_with_person, user=police).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_membership_moved_to_another_partnership_in_the_admin_takes_the_person_off_what_it_gave(
    demo, demo_users, incident_with_person, other_partnership, client
):
    """The defect: changing a membership's partnership in the Django admin moved the person out of Northbridge
    but left them on its incidents' need-to-know lists with its API token working."""
    from django.urls import reverse

    from svtoolkit.api.services import create_token
    from svtoolkit.incidents.models import NeedToKnow
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    southmoor, _ = other_partnership
    police = demo_users["police"]
    token, _ = create_token(user=police, partnership=demo, name="Duty system")
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[police.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {
        "memberships-0-partnership": str(southmoor.pk)
    }
    assert client.post(url, typed).status_code == 302

    assert Membership.objects.get(user=police).partnership == southmoor
    assert not NeedToKnow.objects.filter(incident=incident_with_person, user=police).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_membership_given_another_organisation_in_the_admin_leaves_the_incidents_it_no_longer_sees(
    demo, demo_users, incident_with_person, client
):
    """A partner's organisation changed in the Django admin, as on the members page, takes them off the lists
    of the incidents their old organisation's part let them see."""
    from django.urls import reverse

    from svtoolkit.incidents.models import NeedToKnow
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    police = demo_users["police"]
    probation = demo.organisations.get(kind="probation")
    assert not incident_with_person.participations.filter(organisation=probation).exists()
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[police.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {
        "memberships-0-organisation": str(probation.pk)
    }
    assert client.post(url, typed).status_code == 302

    assert Membership.objects.get(user=police).organisation == probation
    assert not NeedToKnow.objects.filter(incident=incident_with_person, user=police).exists()


@pytest.mark.parametrize(
    "change",
    [{"is_active": ""}, {"memberships-0-DELETE": "on"}, {"memberships-0-role": "responder"}],
    ids=["account switched off", "membership deleted", "role changed"],
)
def test_the_admin_does_not_leave_a_partnership_without_a_coordinator_who_can_sign_in(
    demo, demo_users, client, change
):
    """The defect: the members page refuses to take the last coordinator's role away, but the Django admin
    switched their account off, deleted their membership or changed their role with no such check: nobody
    could then manage the partnership's members, and every invitation they had sent stopped working."""
    from django.urls import reverse

    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    coordinator = demo_users["coordinator"]
    assert Membership.objects.filter(partnership=demo, role=Role.COORDINATOR).count() == 1
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[coordinator.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | change
    if change == {"is_active": ""}:
        del typed["is_active"]  # an unticked box is not sent

    response = client.post(url, typed)

    assert response.status_code == 200
    assert "A partnership needs at least one coordinator who can sign in" in response.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.is_active
    assert Membership.objects.get(user=coordinator, partnership=demo).role == Role.COORDINATOR


def test_removing_a_member_keeps_entries_another_membership_still_gives(
    demo, demo_users, incident_with_person, other_partnership
):
    from svtoolkit.incidents import services as incident_services
    from svtoolkit.incidents.models import NeedToKnow

    southmoor, southmoor_coordinator = other_partnership
    incident_services.share_incident(
        incident=incident_with_person, partnership=southmoor, by=demo_users["responder"], **SHARE_BASIS
    )
    police = demo_users["police"]
    MembershipFactory(partnership=southmoor, user=police, role=Role.RESPONDER)
    services.remove_member(
        membership=Membership.objects.get(user=police, partnership=demo), by=demo_users["coordinator"]
    )
    assert NeedToKnow.objects.filter(incident=incident_with_person, user=police).exists()
