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
