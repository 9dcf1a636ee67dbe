from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "svtoolkit.attachments"
    label = "attachments"
    verbose_name = "Attachments"

    def ready(self):
        from django.core import checks

        from svtoolkit.attachments.agreement_owner import AGREEMENT
        from svtoolkit.attachments.owners import register_owner
        from svtoolkit.attachments.scanning import check_scanner_configured
        from svtoolkit.attachments.selectors import attachments_section
        from svtoolkit.partnerships.page_sections import register_agreement_section

        checks.register(check_scanner_configured, checks.Tags.security, deploy=True)
        register_owner(AGREEMENT)
        register_agreement_section(template_name="attachments/_section.html", context=attachments_section)


class OwnsAttachments:
    """Mixed into the config (a ``SvtoolkitAppConfig``) of an app whose records take files:
    ``attachment_owner`` names its ``OwnerKind`` within the app ("attachment_owner.MEETING"), registered when
    the app is ready, so that this app needs to know nothing of it."""

    attachment_owner: str

    def ready(self):
        super().ready()
        from svtoolkit.attachments.owners import register_owner

        register_owner(self.own(self.attachment_owner))
