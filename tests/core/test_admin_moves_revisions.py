"""A change saved in the Django admin moves the record's revision on, as the app's own saves do, so a page of
the app opened before it meets the edit conflict instead of saving over it (docs/decisions/0001, 0009)."""

import pytest
from django.contrib.admin import site
from django.test import Client
from django.urls import reverse

from svtoolkit.accounts.models import Membership, Role
from svtoolkit.alerts.models import EscalationPolicy
from svtoolkit.core.admin import MovesRevisions
from tests.accounts.builders import pass_second_factor, signed_in_superuser
from tests.page_forms import form_on

pytestmark = pytest.mark.django_db


def _saved_in_the_admin(record, *, having: str, changes) -> None:
    """A superuser opens the admin change page of ``record`` and saves its form (the one with a field
    ``having``) with ``changes``: the fields changed, or a function of the page's form that gives them."""
    admin = Client()
    signed_in_superuser(admin)
    url = reverse(f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk])
    form = form_on(admin.get(url), having=having)
    changed = changes(form) if callable(changes) else changes
    assert admin.post(url, form | changed).status_code == 302


def _opened_by_a_coordinator(client_for, demo_users, url):
    """A coordinator past two-factor (as the sign-in settings need) with the page at ``url`` open: their
    client, and the page's form as a browser would send it back."""
    coordinator = client_for("coordinator")
    pass_second_factor(coordinator, demo_users["coordinator"])
    return coordinator, form_on(coordinator.get(url), having="revision")


def _inline_row(form: dict, pk) -> str:
    """The prefix of the inline row of ``form`` that edits the record ``pk`` (``memberships-0``)."""
    return next(name[:-3] for name, value in form.items() if name.endswith("-id") and value == str(pk))


def test_a_membership_changed_in_the_admin_is_not_saved_over_by_a_members_page_opened_before(
    client_for, demo, demo_users
):
    membership = Membership.objects.get(partnership=demo, user=demo_users["viewer"])
    organisation = demo.organisations.filter(is_active=True).exclude(pk=membership.organisation_id).first()
    url = reverse("accounts:member_edit", args=[membership.pk])
    coordinator, opened_before = _opened_by_a_coordinator(client_for, demo_users, url)

    _saved_in_the_admin(
        membership.user,
        having="email",
        changes=lambda form: {f"{_inline_row(form, membership.pk)}-role": Role.RESPONDER},
    )

    refused = coordinator.post(url, opened_before | {"organisation": str(organisation.pk)})
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.RESPONDER
    coordinator.post(url, form_on(refused, having="revision"))
    membership.refresh_from_db()
    assert (membership.role, membership.organisation) == (Role.RESPONDER, organisation)


def test_single_sign_on_changed_in_the_admin_is_not_saved_over_by_a_settings_page_opened_before(
    client_for, demo, demo_users
):
    url = reverse("accounts:partnership_sso")
    coordinator, opened_before = _opened_by_a_coordinator(client_for, demo_users, url)

    _saved_in_the_admin(demo, having="name", changes={"accept_identity_provider_mfa": "on"})

    refused = coordinator.post(url, opened_before | {"domains": "northbridge.gov.uk"})
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    demo.refresh_from_db()
    assert demo.accept_identity_provider_mfa is True and not demo.sign_in_domains.exists()
    coordinator.post(url, form_on(refused, having="revision"))
    demo.refresh_from_db()
    assert demo.accept_identity_provider_mfa is True
    assert list(demo.sign_in_domains.values_list("domain", flat=True)) == ["northbridge.gov.uk"]


def test_an_admin_change_elsewhere_on_the_partnership_leaves_its_single_sign_on_page_alone(
    client_for, demo, demo_users
):
    url = reverse("accounts:partnership_sso")
    coordinator, opened_before = _opened_by_a_coordinator(client_for, demo_users, url)
    _saved_in_the_admin(demo, having="name", changes={"area": "Northbridge and Eastgate"})

    assert coordinator.post(url, opened_before | {"domains": "northbridge.gov.uk"}).status_code == 302


def test_a_policy_whose_steps_changed_in_the_admin_is_not_saved_over_by_its_page_opened_before(
    client_for, demo
):
    coordinator = client_for("coordinator")
    url = reverse("alerts:escalation")
    coordinator.post(url, {"duty_officer": "0", "deputy": "5", "senior_manager": ""})
    opened_before = form_on(coordinator.get(url), having="revision")
    policy = EscalationPolicy.objects.get(partnership=demo)
    deputy = policy.steps.get(duty_role="deputy")

    _saved_in_the_admin(
        policy,
        having="steps-TOTAL_FORMS",
        changes=lambda form: {f"{_inline_row(form, deputy.pk)}-after_minutes": "15"},
    )

    refused = coordinator.post(url, opened_before | {"senior_manager": "30"})
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    assert policy.steps.get(duty_role="deputy").after_minutes == 15


def _revisions(model) -> set[str]:
    return {field.name for field in model._meta.concrete_fields if field.name.endswith("revision")}


def test_every_admin_of_a_record_with_a_revision_moves_it_and_never_lets_it_be_typed():
    for model, model_admin in site._registry.items():
        inlines = [inline for inline in model_admin.inlines if _revisions(inline.model)]
        if _revisions(model) or inlines:
            assert isinstance(model_admin, MovesRevisions), model
        for shown in [model_admin, *inlines]:
            assert _revisions(shown.model) <= set(shown.readonly_fields), shown


def test_a_retention_period_changed_in_the_admin_is_not_saved_over_by_its_page_opened_before(
    client_for, demo, demo_users
):
    url = reverse("recovery:retention")
    coordinator, opened_before = _opened_by_a_coordinator(client_for, demo_users, url)
    _saved_in_the_admin(demo, having="name", changes={"personal_data_retention_years": "9"})

    refused = coordinator.post(url, opened_before | {"years": "7"}).content.decode()
    assert "Someone else changed the retention period" in refused
    demo.refresh_from_db()
    assert demo.personal_data_retention_years == 9
