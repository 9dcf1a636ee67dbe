import re
from html import unescape
from urllib.parse import parse_qs

import pytest
from django.urls import reverse

from svtoolkit.audit.models import AppendOnlyError, AuditAction, AuditEntry
from svtoolkit.audit.services import record
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_entries_cannot_be_changed_or_deleted(demo_users):
    entry = record(action=AuditAction.CREATE, actor=demo_users["coordinator"])
    entry.target_label = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(target_label="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).target_label == ""


def test_an_entry_goes_in_its_targets_partnership_log_unless_another_is_named(
    demo, demo_users, other_partnership
):
    foreign_partnership, _ = other_partnership
    organisation = OrganisationFactory(partnership=demo)
    by = demo_users["coordinator"]
    assert record(action=AuditAction.UPDATE, actor=by, target=organisation).partnership == demo
    named = record(action=AuditAction.UPDATE, actor=by, partnership=foreign_partnership, target=organisation)
    assert named.partnership == foreign_partnership
    assert record(action=AuditAction.UPDATE, actor=by, target=by).partnership is None


def test_coordinator_sees_own_partnership_entries_and_members_sign_ins(
    client_for, demo, demo_users, other_partnership
):
    foreign_partnership, foreign_coordinator = other_partnership
    record(action=AuditAction.UPDATE, actor=foreign_coordinator.user, partnership=foreign_partnership)
    record(action=AuditAction.SIGN_IN, actor=foreign_coordinator.user)
    record(action=AuditAction.SIGN_IN, actor=demo_users["police"])
    record(action=AuditAction.UPDATE, actor=demo_users["coordinator"], partnership=demo, target=demo)

    page = client_for("coordinator").get(reverse("audit:log"))
    shown = list(page.context["page"])
    assert {(e.actor_label, e.action) for e in shown} == {
        ("coordinator@example.org", AuditAction.SIGN_IN),  # their own sign-in to look
        ("police@example.org", AuditAction.SIGN_IN),
        ("coordinator@example.org", AuditAction.UPDATE),
    }


def test_an_admin_change_is_in_the_log_of_the_partnership_whose_record_it_is_not_the_admins_own(
    client, demo, other_partnership
):
    """The defect: a superuser who belonged to Northbridge changing Southmoor's records in the Django admin
    put the change (Southmoor's name, a Southmoor member's name) in Northbridge's audit log, and Southmoor's
    own log never showed it. Now the change is in the log of the partnership whose record it is, and a
    change to someone's account, which is no partnership's, is shown to none."""
    from svtoolkit.audit.selectors import audit_entries_for_partnership
    from tests.accounts.builders import signed_in_superuser
    from tests.factories import MembershipFactory
    from tests.page_forms import form_on

    southmoor, southmoor_coordinator = other_partnership
    superuser = signed_in_superuser(client)
    MembershipFactory(user=superuser, partnership=demo, role="coordinator")
    record(action=AuditAction.SIGN_IN, actor=superuser)
    url = reverse("admin:partnerships_partnership_change", args=[southmoor.pk])
    typed = form_on(client.get(url), having="reference_prefix") | {"area": "Southmoor and Westfield"}
    assert client.post(url, typed).status_code == 302
    url = reverse("admin:accounts_user_change", args=[southmoor_coordinator.user.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {"full_name": "Renamed in the admin"}
    assert client.post(url, typed).status_code == 302

    in_northbridge = {(e.action, e.target_label) for e in audit_entries_for_partnership(demo)}
    assert in_northbridge == {(AuditAction.SIGN_IN, "")}  # the superuser's own sign-in, and no more
    in_southmoor = {(e.action, e.target_label) for e in audit_entries_for_partnership(southmoor)}
    assert (AuditAction.UPDATE, southmoor.name) in in_southmoor
    assert (AuditAction.UPDATE, "Renamed in the admin") not in in_southmoor


def _actions_naming(record, *, in_the_log_of) -> list[AuditAction]:
    """What the entries in ``in_the_log_of``'s log naming ``record`` say was done to it, oldest first."""
    from svtoolkit.audit.selectors import audit_entries_for_partnership

    entries = audit_entries_for_partnership(in_the_log_of).filter(
        target_type=record._meta.label, target_id=str(record.pk)
    )
    return [entry.action for entry in reversed(entries)]


def test_a_members_role_changed_on_their_account_in_the_admin_is_in_their_partnerships_log(
    client, demo, demo_users, other_partnership
):
    """The defect: a role changed in the membership rows of a person's account in the Django admin was
    recorded only as a change to the account, which no partnership's log shows, so the partnership never saw
    who had made its responder a coordinator."""
    from svtoolkit.accounts.models import Membership
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    southmoor, _ = other_partnership
    responder = demo_users["responder"]
    membership = Membership.objects.get(user=responder, partnership=demo)
    superuser = signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[responder.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {"memberships-0-role": "coordinator"}
    assert client.post(url, typed).status_code == 302

    assert _actions_naming(membership, in_the_log_of=demo) == [AuditAction.UPDATE]
    entry = AuditEntry.objects.get(partnership=demo, target_id=str(membership.pk))
    assert entry.actor == superuser
    assert (entry.detail["before"]["role"], entry.detail["after"]["role"]) == ("responder", "coordinator")
    assert _actions_naming(membership, in_the_log_of=southmoor) == []


def test_a_membership_added_or_deleted_on_an_account_in_the_admin_is_in_its_partnerships_log(
    client, demo, demo_users, other_partnership
):
    from svtoolkit.accounts.models import Membership
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    southmoor, southmoor_coordinator = other_partnership
    police = demo_users["police"]
    deleted = Membership.objects.get(user=police, partnership=demo)
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[police.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {"memberships-0-DELETE": "on"}
    assert client.post(url, typed).status_code == 302
    url = reverse("admin:accounts_user_change", args=[southmoor_coordinator.user.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {
        "memberships-TOTAL_FORMS": "2",
        "memberships-1-id": "",
        "memberships-1-partnership": str(demo.pk),
        "memberships-1-role": "viewer",
        "memberships-1-organisation": "",
    }
    assert client.post(url, typed).status_code == 302
    added = Membership.objects.get(user=southmoor_coordinator.user, partnership=demo)

    assert _actions_naming(deleted, in_the_log_of=demo) == [AuditAction.DELETE]
    assert _actions_naming(added, in_the_log_of=demo) == [AuditAction.CREATE]
    assert _actions_naming(deleted, in_the_log_of=southmoor) == []
    assert _actions_naming(added, in_the_log_of=southmoor) == []


def test_a_membership_moved_to_another_partnership_in_the_admin_ends_in_one_log_and_starts_in_the_other(
    client, demo, demo_users, other_partnership
):
    """Each partnership sees its side of the move, named as it was there: Northbridge the member it lost,
    Southmoor the member it gained."""
    from svtoolkit.accounts.models import Membership
    from tests.accounts.builders import signed_in_superuser
    from tests.page_forms import form_on

    southmoor, _ = other_partnership
    health = demo_users["health"]
    membership = Membership.objects.get(user=health, partnership=demo)
    signed_in_superuser(client)
    url = reverse("admin:accounts_user_change", args=[health.pk])
    typed = form_on(client.get(url), having="memberships-0-id") | {
        "memberships-0-partnership": str(southmoor.pk),
        "memberships-0-organisation": "",
    }
    assert client.post(url, typed).status_code == 302

    assert _actions_naming(membership, in_the_log_of=demo) == [AuditAction.DELETE]
    assert _actions_naming(membership, in_the_log_of=southmoor) == [AuditAction.CREATE]
    ended = AuditEntry.objects.get(partnership=demo, target_id=str(membership.pk))
    started = AuditEntry.objects.get(partnership=southmoor, target_id=str(membership.pk))
    assert demo.name in ended.target_label and southmoor.name not in ended.target_label
    assert southmoor.name in started.target_label and demo.name not in started.target_label


def _partnership_records_the_admin_deletes() -> list[str]:
    """Every model the Django admin can delete that belongs to a partnership, so a new one is tested too."""
    from django.contrib import admin

    from svtoolkit.core.admin import ReadOnlyAdmin

    return sorted(
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if any(field.name == "partnership" for field in model._meta.concrete_fields)
        and not isinstance(model_admin, ReadOnlyAdmin)
    )


@pytest.mark.parametrize("label", _partnership_records_the_admin_deletes())
def test_each_record_deleted_together_in_the_admin_is_in_its_own_partnerships_log(client, label):
    """The defect: the admin's "Delete selected" action, given more than one record, deleted them with no
    entry in any partnership's audit log (only a single record deleted left one)."""
    from django.apps import apps

    from tests import factories
    from tests.accounts.builders import signed_in_superuser

    model = apps.get_model(label)
    make = getattr(factories, f"{model.__name__}Factory")
    first, second = make(), make()  # each of its own new partnership
    assert first.partnership != second.partnership
    signed_in_superuser(client)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert client.post(url, chosen).status_code == 302

    assert not model.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for deleted, other in [(first, second), (second, first)]:
        assert _actions_naming(deleted, in_the_log_of=deleted.partnership) == [AuditAction.DELETE]
        assert _actions_naming(deleted, in_the_log_of=other.partnership) == []


def test_partnerships_deleted_together_in_the_admin_are_each_in_no_partnerships_log(client):
    """A partnership deleted takes its own log with it, so its deletion is kept in no partnership's log (shown
    to superusers): an entry in its own would keep it, protected, from being deleted at all."""
    from svtoolkit.partnerships.models import Partnership
    from tests.accounts.builders import signed_in_superuser
    from tests.factories import PartnershipFactory

    first, second = PartnershipFactory(), PartnershipFactory()
    signed_in_superuser(client)
    url = reverse("admin:partnerships_partnership_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert client.post(url, chosen).status_code == 302

    assert not Partnership.objects.filter(pk__in=[first.pk, second.pk]).exists()
    deleted = AuditEntry.objects.filter(target_type="partnerships.Partnership", action=AuditAction.DELETE)
    assert sorted((e.target_id, e.partnership) for e in deleted) == [
        (str(first.pk), None),
        (str(second.pk), None),
    ]


def test_filters_narrow_the_log(client_for, demo, demo_users):
    record(action=AuditAction.SIGN_IN, actor=demo_users["police"])
    record(action=AuditAction.SIGN_IN, actor=demo_users["health"])
    record(action=AuditAction.UPDATE, actor=demo_users["health"], partnership=demo, target=demo)
    client = client_for("coordinator")
    page = client.get(reverse("audit:log"), {"action": "sign_in", "actor": "HEALTH"})
    assert [(e.actor_label, e.action) for e in page.context["page"]] == [("health@example.org", "sign_in")]


def test_each_filter_in_use_is_a_tag_that_drops_it_alone_and_the_pages_keep_them_all(
    client_for, demo, demo_users
):
    for _ in range(51):
        record(action=AuditAction.SIGN_IN, actor=demo_users["health"])
    asked = {"action": "sign_in", "actor": "health", "date_from_day": "1", "date_from_month": "1"}
    asked["date_from_year"] = "2026"
    left_empty = {"date_to_day": "", "date_to_month": "", "date_to_year": ""}  # as the form sends them
    page = client_for("coordinator").get(reverse("audit:log"), {**asked, **left_empty})
    content = page.content.decode()

    assert "Selected filters" in content
    tags = dict(re.findall(r'<a class="moj-filter__tag" href="\?([^"]*)">.*?</span> ([^<]+)</a>', content))
    from_1_january = {"date_from_day": ["1"], "date_from_month": ["1"], "date_from_year": ["2026"]}
    assert {label: parse_qs(unescape(query), keep_blank_values=True) for query, label in tags.items()} == {
        "Signed in": {"actor": ["health"], **from_1_january},
        "health": {"action": ["sign_in"], **from_1_january},
        "1 January 2026": {"action": ["sign_in"], "actor": ["health"]},
    }
    next_page = unescape(re.search(r'href="\?([^"]*page=2)"', content).group(1))
    assert {
        name: values for name, values in parse_qs(next_page, keep_blank_values=True).items() if name != "page"
    } == {name: [value] for name, value in asked.items()}
    assert "Selected filters" not in client_for("coordinator").get(reverse("audit:log")).content.decode()


def test_bad_filter_dates_are_explained_and_show_everything(client_for, demo, demo_users):
    record(action=AuditAction.UPDATE, actor=demo_users["coordinator"], partnership=demo, target=demo)
    page = client_for("coordinator").get(
        reverse("audit:log"), {"date_from": "2026-02-30", "date_to": "2025-01-01"}
    )
    content = page.content.decode()
    assert "The &#x27;from&#x27; date must be a real date" in content
    assert page.context["page"].paginator.count == 2  # the update and the coordinator's own sign-in
    assert page.context["form"]["date_from"].value() == "2026-02-30"


def test_audit_log_is_paginated_without_a_query_per_row(
    client_for, demo, demo_users, django_assert_max_num_queries
):
    for _ in range(60):
        record(action=AuditAction.UPDATE, actor=demo_users["coordinator"], partnership=demo, target=demo)
    client = client_for("coordinator")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("audit:log"))
    assert len(page.context["page"]) == 50
    assert page.context["page"].has_next()


# --- Client addresses behind proxies (security review, issue 14) -----------------------------------------


def _failed_sign_in_address(client, **headers) -> str | None:
    """Sign in with a wrong password, as a client reached through the given connection and headers, and read
    the address the audit log recorded for it."""
    client.post(
        reverse("accounts:login"),
        {"username": "nobody@example.org", "password": "wrong"},
        **headers,
    )
    return AuditEntry.objects.filter(action=AuditAction.SIGN_IN_FAILED).latest("pk").ip_address


def test_without_a_proxy_the_connections_address_is_recorded_whatever_the_client_says(client, settings, db):
    settings.SVTOOLKIT_PROXY_COUNT = 0
    recorded = _failed_sign_in_address(client, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert recorded == "203.0.113.7"


def test_behind_one_proxy_the_address_the_proxy_added_is_recorded(client, settings, db):
    settings.SVTOOLKIT_PROXY_COUNT = 1
    # The load balancer (10.0.0.2) appends the address it was reached from.
    assert _failed_sign_in_address(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7") == (
        "203.0.113.7"
    )
    # Addresses the client put in the header itself, on the left, are not believed.
    spoofed = "198.51.100.1, 192.0.2.9, 203.0.113.7"
    assert _failed_sign_in_address(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=spoofed) == (
        "203.0.113.7"
    )


def test_behind_two_proxies_the_address_the_outer_proxy_added_is_recorded(client, settings, db):
    settings.SVTOOLKIT_PROXY_COUNT = 2
    # The client writes 198.51.100.1; the CDN appends the client (203.0.113.7); the load balancer, the CDN.
    forwarded = "198.51.100.1, 203.0.113.7, 10.0.0.1"
    recorded = _failed_sign_in_address(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert recorded == "203.0.113.7"
    # A request that did not come through both proxies falls back to the connection's address.
    assert _failed_sign_in_address(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7") == (
        "10.0.0.2"
    )


def _two_of_each_record_the_packages_admins_delete():
    """Two records of each model whose admin comes from a package, not from svtoolkit's apps, and deletes."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import UserFactory

    def device(model):
        return lambda n: model.objects.create(user=UserFactory(), name=f"Device {n}")

    def attempt(model, **more):
        return lambda n: model.objects.create(
            username=f"tried{n}@example.org", ip_address="192.0.2.1", **more
        )

    return {
        Group: lambda n: Group.objects.create(name=f"Group {n}"),
        TOTPDevice: device(TOTPDevice),
        StaticDevice: device(StaticDevice),
        AccessAttempt: attempt(AccessAttempt, failures_since_start=5),
        AccessLog: attempt(AccessLog),
        AccessFailureLog: attempt(AccessFailureLog),
    }


@pytest.mark.parametrize("model", list(_two_of_each_record_the_packages_admins_delete()), ids=str)
def test_records_of_the_packages_admins_deleted_together_are_each_in_the_audit_log(client, model):
    """The defect: the admins that come with the packages (groups, two-factor devices, sign-in attempts and
    lockouts) did not log each record of a "Delete selected" on its own, so a superuser deleting two or more
    people's two-factor devices, or clearing lockouts, left no entry in the audit log."""
    from tests.accounts.builders import signed_in_superuser

    make = _two_of_each_record_the_packages_admins_delete()[model]
    first, second = make(1), make(2)
    signed_in_superuser(client)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert client.post(url, chosen).status_code == 302

    assert not model.objects.filter(pk__in=[first.pk, second.pk]).exists()
    deleted = AuditEntry.objects.filter(target_type=model._meta.label, action=AuditAction.DELETE)
    assert sorted(entry.target_id for entry in deleted) == sorted([str(first.pk), str(second.pk)])


def test_every_admin_that_may_delete_logs_each_record_it_deletes(rf):
    """Whoever registers an admin (svtoolkit's apps or a package), its "Delete selected" logs each record."""
    from django.contrib import admin

    from svtoolkit.core.admin_site import LogsEachDeletion
    from tests.factories import UserFactory

    request = rf.get("/")
    request.user = UserFactory.build(is_superuser=True, is_staff=True)
    deleting = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_delete_permission(request)
    }
    assert "auth.Group" in deleting and "partnerships.Partnership" in deleting
    assert [
        label for label, model_admin in deleting.items() if not isinstance(model_admin, LogsEachDeletion)
    ] == []
