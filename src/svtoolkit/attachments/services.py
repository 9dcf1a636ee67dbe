"""Attaching files to a record, and erasing them. Every file is checked (size, kind by content) and, when
ClamAV is configured, scanned, before anything is kept."""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from svtoolkit.attachments import checks, scanning
from svtoolkit.attachments.models import Attachment
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_action, record_created
from svtoolkit.core import downloads
from svtoolkit.core.errors import DomainError


def _chunks(upload):
    upload.seek(0)
    yield from upload.chunks()
    upload.seek(0)


def attach_file(*, owner, partnership, file, description: str = "", by, request=None) -> Attachment:
    """Keep ``file`` as a file of ``owner``, after checking its size and kind and scanning it for malware.
    Raises DomainError (on ``file``) with nothing kept when it is refused."""
    upload = file
    kind = checks.check(upload)
    if scanning.is_configured():
        try:
            found = scanning.scan(_chunks(upload))
        except scanning.ScanFailed:
            raise DomainError(
                "The selected file could not be checked for viruses, so it was not kept. Try again later",
                field="file",
            ) from None
        if found:
            record_action(
                AuditAction.PERMISSION_DENIED,
                target=owner,
                partnership=partnership,
                by=by,
                request=request,
                reason="attachment infected",
                file=upload.name[:200],
                found=found,
            )
            raise DomainError(
                f"The selected file contains a virus ({found}), so it was not kept. Do not open it: tell "
                "your IT team where it came from",
                field="file",
            )
    digest = hashlib.sha256()
    for chunk in _chunks(upload):
        digest.update(chunk)
    attachment = Attachment(
        partnership=partnership,
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        name=upload.name[:200],
        description=description,
        media_type=kind.media_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        marking=downloads.marking_for(personal_data=False),
        uploaded_by=by,
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            record_created(
                by=by,
                partnership=partnership,
                target=attachment,
                request=request,
                attached_to=str(owner)[:200],
                size=attachment.size,
                type=kind.media_type,
            )
    except BaseException:
        # Nothing is kept half-way: without its row, the stored file goes too.
        attachment.file.delete(save=False)
        raise
    return attachment


def record_download(*, attachment, by, request) -> None:
    """Every download of a file is in the audit log."""
    record_action(
        AuditAction.VIEW_SENSITIVE,
        target=attachment,
        partnership=attachment.partnership,
        by=by,
        request=request,
        what="attachment download",
        attached_to=str(attachment.owner)[:200],
    )


def erase_attached_to(*, owners) -> int:
    """Erase the files of ``owners`` (records of any kinds): each stored file deleted, then its row, once the
    transaction commits. The number erased."""
    erased = 0
    for owner in owners:
        attached = Attachment.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
        )
        for attachment in attached:
            stored = attachment.file
            transaction.on_commit(lambda stored=stored: stored.storage.delete(stored.name))
            erased += 1
        attached.delete()
    return erased
