from django.contrib import admin

from svtoolkit.partnerships.models import Organisation, Partnership


class OrganisationInline(admin.TabularInline):
    model = Organisation
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "area", "reference_prefix", "require_two_factor", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    # Moved only by the single sign-on page's compare-and-set (accounts.services.update_single_sign_on).
    readonly_fields = ["revision"]
    inlines = [OrganisationInline]
