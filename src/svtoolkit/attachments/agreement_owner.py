"""Information-sharing agreements take files (the signed agreement): registered here, in
AttachmentsConfig.ready, because the partnerships app sits below this one and imports none of it. Its page
shows the files through partnerships.page_sections."""

from django.urls import reverse

from svtoolkit import access
from svtoolkit.attachments.owners import OwnerKind
from svtoolkit.partnerships.models import SharingAgreement
from svtoolkit.partnerships.selectors import sharing_agreements_of

# Every member reads the register (and so the agreement's files); its coordinators keep it, files included.
AGREEMENT = OwnerKind(
    name="agreement",
    model=SharingAgreement,
    found_in=lambda request: sharing_agreements_of(request.partnership),
    attach_rule=access.can_attach_to_sharing_agreement,
    page_url=lambda agreement: reverse("partnerships:sharing_agreement", args=[agreement.pk]),
    label=lambda agreement: agreement.name,
)
