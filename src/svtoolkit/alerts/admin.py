from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from svtoolkit.alerts import services
from svtoolkit.alerts.models import (
    Alert,
    AlertListMember,
    AlertRecipient,
    AlertStep,
    DutyShift,
    EscalationPolicy,
    EscalationStep,
    LaunchProtocol,
    LaunchRule,
)
from svtoolkit.core.admin import MovesRevisions
from svtoolkit.core.errors import DomainError


@admin.register(DutyShift)
class DutyShiftAdmin(MovesRevisions, admin.ModelAdmin):
    list_display = ["person", "role", "starts_at", "ends_at", "partnership"]
    readonly_fields = ["revision"]
    list_filter = ["role", "partnership"]


@admin.register(AlertListMember)
class AlertListMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "partnership", "added_at"]


class EscalationStepFormSet(BaseInlineFormSet):
    """A policy's steps saved here keep the rules its page keeps (``services.check_escalation_steps``): a
    policy that alerted no one at once would leave a new alert unheard until its first step was due."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.check_escalation_steps(
                after_minutes={step["duty_role"]: step["after_minutes"] for step in kept}
            )
        except DomainError as error:
            raise ValidationError(error.message) from error


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    formset = EscalationStepFormSet
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(MovesRevisions, admin.ModelAdmin):
    readonly_fields = ["revision"]
    inlines = [EscalationStepInline]


class LaunchRuleInline(admin.TabularInline):
    model = LaunchRule
    extra = 0


@admin.register(LaunchProtocol)
class LaunchProtocolAdmin(admin.ModelAdmin):
    inlines = [LaunchRuleInline]


class AlertStepInline(admin.TabularInline):
    model = AlertStep
    extra = 0
    readonly_fields = ["duty_role", "after_minutes", "taken_at", "note"]


class AlertRecipientInline(admin.TabularInline):
    model = AlertRecipient
    extra = 0
    # The token's hash is never shown: it is the key to the person's acknowledgement link.
    readonly_fields = ["user", "reason", "notified_at", "acknowledged_at"]
    exclude = ["token_hash", "notification", "step"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["incident", "raised_by", "raised_at", "acknowledged_at", "lead_accepted_at"]
    readonly_fields = [
        "incident",
        "raised_by",
        "raised_at",
        "acknowledged_at",
        "acknowledged_by",
        # Kept by the escalation run alone: each failed attempt, cleared by the step that goes through.
        "escalation_failed_at",
        "escalation_failures",
        "escalation_error",
    ]
    inlines = [AlertStepInline, AlertRecipientInline]
