from django.contrib import admin

from svtoolkit.core.admin import MovesRevisions
from svtoolkit.partnerships import services
from svtoolkit.partnerships.models import Organisation, Partnership


class OrganisationInline(admin.TabularInline):
    model = Organisation
    extra = 0
    readonly_fields = ["revision"]


@admin.register(Partnership)
class PartnershipAdmin(MovesRevisions, admin.ModelAdmin):
    list_display = ["name", "area", "reference_prefix", "require_two_factor", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    # Each moved on by a change of its settings (Partnership.REVISION_GUARDS), here and on their page.
    readonly_fields = ["revision", "two_factor_revision", "retention_revision"]
    inlines = [OrganisationInline]

    def save_model(self, request, obj, form, change):
        """A new region goes through ``services.move_to_region``, so what the old region kept follows."""
        if not (change and "region" in form.changed_data):
            return super().save_model(request, obj, form, change)
        region = obj.region
        obj.region = Partnership.objects.get(pk=obj.pk).region
        super().save_model(request, obj, form, change)
        services.move_to_region(partnership=obj, region=region, by=request.user, request=request)
