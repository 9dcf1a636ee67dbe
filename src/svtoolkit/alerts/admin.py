from django.contrib import admin

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


@admin.register(DutyShift)
class DutyShiftAdmin(MovesRevisions, admin.ModelAdmin):
    list_display = ["person", "role", "starts_at", "ends_at", "partnership"]
    readonly_fields = ["revision"]
    list_filter = ["role", "partnership"]


@admin.register(AlertListMember)
class AlertListMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "partnership", "added_at"]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
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
    readonly_fields = ["incident", "raised_by", "raised_at", "acknowledged_at", "acknowledged_by"]
    inlines = [AlertStepInline, AlertRecipientInline]
