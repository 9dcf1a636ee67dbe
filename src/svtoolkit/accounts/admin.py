from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from svtoolkit.accounts.models import Invitation, Membership, Role, User
from svtoolkit.accounts.services import check_keeps_a_coordinator
from svtoolkit.accounts.signals import member_removed, membership_changed
from svtoolkit.audit.services import record_created, record_deleted, record_updated
from svtoolkit.core.admin import MovesRevisions
from svtoolkit.core.errors import DomainError


def _refused_unless_a_coordinator_stays(membership) -> None:
    """The members page's rule, in the admin: a partnership keeps a coordinator who can sign in."""
    try:
        check_keeps_a_coordinator(membership)
    except DomainError as error:
        raise ValidationError(f"{membership.partnership}: {error}") from error


class AccountChangeForm(UserChangeForm):
    def clean_is_active(self):
        switched_off = self.instance.is_active and not self.cleaned_data["is_active"]
        if switched_off and self.instance.pk is not None:
            for membership in self.instance.memberships.filter(role=Role.COORDINATOR).select_related(
                "partnership"
            ):
                _refused_unless_a_coordinator_stays(membership)
        return self.cleaned_data["is_active"]


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        """A coordinator's membership deleted, moved or given another role here is refused, as on the members
        page, when its partnership would be left without a coordinator who can sign in."""
        super().clean()
        for row in self.initial_forms:
            was_coordinator = row.initial.get("role") == Role.COORDINATOR
            taken = row in self.deleted_forms or {"role", "partnership"} & set(row.changed_data)
            if was_coordinator and taken:
                _refused_unless_a_coordinator_stays(
                    Membership.objects.select_related("partnership").get(pk=row.instance.pk)
                )


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    # Moved on by every change of the membership, here (MovesRevisions) and on the members page.
    readonly_fields = ["revision"]


@admin.register(User)
class UserAdmin(MovesRevisions, BaseUserAdmin):
    form = AccountChangeForm
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

    def save_formset(self, request, form, formset, change):
        # A membership deleted here, or moved to another partnership, ends as one removed on the members page
        # does: the apps above take the person off the need-to-know and alert lists and revoke their tokens,
        # so an invitation back reopens none of them. A member whose role or organisation changes here leaves
        # the lists of incidents they no longer see, as on the members page. Each goes in the audit log of the
        # membership's partnership (a move in both: ended in one, started in the other), as on the members
        # page: Django's own entry is the account's, which no partnership's log shows.
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        by = request.user
        for ended in _memberships_ended(formset):
            record_deleted(by=by, target=ended, request=request, via="admin", **_who(ended))
            member_removed.send(sender=Membership, membership=ended, by=by, request=request)
        super().save_formset(request, form, formset, change)
        for started in _memberships_started(formset):
            record_created(by=by, target=started, request=request, via="admin", **_who(started))
        for changed, before in _memberships_changed(formset):
            after = {"role": changed.role, "organisation": changed.organisation_id}
            record_updated(by=by, target=changed, request=request, via="admin", before=before, after=after)
            membership_changed.send(sender=Membership, membership=changed, by=by, request=request)


def _who(membership) -> dict:
    """Whose membership it is and in what role, for its audit entry (as the members page records them)."""
    return {"email": membership.user.email, "role": membership.role}


def _memberships_changed(formset) -> list[tuple[Membership, dict]]:
    """The memberships as this save left them, of those whose role or organisation it changed (and not their
    partnership: a move is an end), each with its role and organisation before."""
    return [
        (row.instance, {"role": row.initial.get("role"), "organisation": row.initial.get("organisation")})
        for row in formset.initial_forms
        if row not in formset.deleted_forms
        and "partnership" not in row.changed_data
        and {"role", "organisation"} & set(row.changed_data)
    ]


def _memberships_started(formset) -> list[Membership]:
    """The memberships as this save left them, of those it added or moved into another partnership."""
    moved = [
        row.instance
        for row in formset.initial_forms
        if row not in formset.deleted_forms and "partnership" in row.changed_data
    ]
    return list(formset.new_objects) + moved


def _memberships_ended(formset) -> list[Membership]:
    """The memberships as they stand before this save, of those the admin's form deletes or moves."""
    ended = [row.instance.pk for row in formset.deleted_forms if row.instance.pk is not None]
    ended += [
        row.instance.pk
        for row in formset.initial_forms
        if row not in formset.deleted_forms and "partnership" in row.changed_data
    ]
    return list(Membership.objects.filter(pk__in=ended).select_related("user", "partnership"))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "partnership", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_hash"]
