from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from svtoolkit.accounts.models import Invitation, Membership, User
from svtoolkit.core.admin import MovesRevisions


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    # Moved on by every change of the membership, here (MovesRevisions) and on the members page.
    readonly_fields = ["revision"]


@admin.register(User)
class UserAdmin(MovesRevisions, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Status", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]
    filter_horizontal = []
    list_filter = ["is_active", "is_superuser"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "partnership", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_hash"]
