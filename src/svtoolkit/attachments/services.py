"""Attaching files to a record, and erasing them. Every file is checked (size, kind by content) and, when
ClamAV is configured, scanned, before anything is kept."""

import hashlib
import logging
from pathlib import PurePosixPath

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F

from svtoolkit.attachments import checks, scanning
from svtoolkit.attachments.models import Attachment, StoredFileErasure
from svtoolkit.attachments.owners import kind_of_model
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record_action, record_created
from svtoolkit.core import downloads
from svtoolkit.core.errors import DomainError

logger = logging.getLogger(__name__)


def _chunks(upload):
    upload.seek(0)
    yield from upload.chunks()
    upload.seek(0)


def _shortened(name: str) -> str:
    """The uploaded name as an attachment's name holds it: a name too long loses the end of its stem, never
    its ending (.pdf), which says what kind of file it is when it is downloaded again."""
    longest = Attachment._meta.get_field("name").max_length
    if len(name) <= longest:
        return name
    suffix = PurePosixPath(name).suffix
    return name[: longest - len(suffix)] + suffix


def _partnership_of(owner):
    return kind_of_model(type(owner)).partnership_of(owner)


def _refuse_if_closed(owner) -> None:
    refuse = kind_of_model(type(owner)).refuse_if_closed
    if refuse is not None:
        refuse(owner)


def attach_file(*, owner, file, description: str = "", by, request=None) -> Attachment:
    """Keep ``file`` as a file of ``owner``, after checking its size and kind and scanning it for malware;
    it is kept and audited as a file of the partnership whose record ``owner`` is, whoever adds it (a partner
    the incident is shared with). Raises DomainError (on ``file``) with nothing kept when it is refused."""
    upload = file
    partnership = _partnership_of(owner)
    kind = checks.check(upload)
    digest = hashlib.sha256()
    for chunk in _chunks(upload):
        digest.update(chunk)
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
                found=found,
                # Never its name, which may name someone: audit entries are kept for ever.
                size=upload.size,
                sha256=digest.hexdigest(),
                type=kind.media_type,
            )
            raise DomainError(
                f"The selected file contains a virus ({found}), so it was not kept. Do not open it: tell "
                "your IT team where it came from",
                field="file",
            )
    attachment = Attachment(
        partnership=partnership,
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        name=_shortened(upload.name),
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
            _refuse_if_closed(owner)
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


def record_download(*, attachment, owner, by, request) -> None:
    """Every download of a file is in the audit log of the partnership whose record ``owner`` (the file's)
    is."""
    record_action(
        AuditAction.VIEW_SENSITIVE,
        target=attachment,
        partnership=_partnership_of(owner),
        by=by,
        request=request,
        what="attachment download",
        attached_to=str(owner)[:200],
    )


def erase_attached_to(*, owners) -> int:
    """Erase the files of ``owners`` (records of any kinds): their rows now, and each stored file once the
    transaction commits (``delete_erased_files``). The number erased."""
    erasures = []
    for owner in owners:
        attached = Attachment.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
        )
        erasures += [
            StoredFileErasure(partnership_id=partnership_id, name=name)
            for partnership_id, name in attached.values_list("partnership_id", "file")
        ]
        attached.delete()
    StoredFileErasure.objects.bulk_create(erasures)
    names = [erasure.name for erasure in erasures]
    if names:
        transaction.on_commit(lambda: delete_erased_files(names=names))
    return len(erasures)


def delete_erased_files(*, names=None) -> int:
    """Delete from storage the files whose attachments were erased (only ``names``, when given), each on its
    own: one the storage fails to delete stays queued with its error, for the retention job to try again,
    and the others are deleted all the same. Returns how many were deleted."""
    queued = (
        StoredFileErasure.objects.all() if names is None else StoredFileErasure.objects.filter(name__in=names)
    )
    storage = Attachment._meta.get_field("file").storage
    deleted = 0
    for erasure in queued:
        try:
            storage.delete(erasure.name)
        except (
            Exception
        ) as error:  # whatever the storage raises (S3's client errors, an OSError): kept to retry
            logger.error(
                "A stored file of an erased attachment could not be deleted: %s", erasure.name, exc_info=True
            )
            StoredFileErasure.objects.filter(pk=erasure.pk).update(
                attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:300]
            )
            continue
        erasure.delete()
        deleted += 1
    return deleted
