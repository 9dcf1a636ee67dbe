"""Reading attachments: a record's files, the section its page shows, one file for a download."""

import logging

from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404
from django.urls import reverse

from svtoolkit.attachments import checks
from svtoolkit.attachments.models import Attachment, StoredFileErasure
from svtoolkit.attachments.owners import kind_of_model

logger = logging.getLogger(__name__)


def attachments_of(owner):
    return Attachment.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    ).select_related("uploaded_by")


def files_still_to_delete(partnership) -> int:
    """How many stored files of this partnership's erased attachments the storage has not yet deleted."""
    return StoredFileErasure.objects.filter(partnership=partnership).count()


def attachments_section(owner, *, user, partnership) -> dict:
    """What the attachments section of ``owner``'s page shows this person (who may already see ``owner``)."""
    kind = kind_of_model(type(owner))
    return {
        "attachments": attachments_of(owner),
        "attach_url": reverse("attachments:add", args=[kind.name, owner.pk])
        if kind.may_attach(user, partnership, owner)
        else None,
        "max_bytes": checks.max_bytes(),
        "allowed": checks.ALLOWED,
    }


def attachment_for_download(attachment_id) -> Attachment:
    """The file. Whether this person may have it is its owner's rule, which the view checks."""
    return get_object_or_404(Attachment.objects.select_related("owner_type", "partnership"), pk=attachment_id)


def stored_content(attachment: Attachment) -> bytes | None:
    """The file's bytes, or None if the storage no longer has it (an error for the operators to look into:
    a backup restored without its files, a file deleted by hand)."""
    try:
        with attachment.file.open("rb") as stored:
            return stored.read()
    except FileNotFoundError:
        logger.error("The stored file of attachment %s is missing: %s", attachment.pk, attachment.file.name)
        return None
