"""Files attached to a record: an incident, a meeting, a review, an information-sharing agreement (and
whatever registers as an owner)."""

import uuid
from pathlib import PurePosixPath

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from svtoolkit.core import downloads
from svtoolkit.core.models import user_field
from svtoolkit.core.personal_data import PersonalData


def stored_name(attachment, filename: str) -> str:
    """Where the file is kept: under its partnership, by a random name (never the name it came with)."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"attachments/{attachment.partnership_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """One uploaded file, checked for its type and size and scanned before it was kept. Its owner is any
    record (a generic relation), so a new kind of record can take files without changing this table."""

    personal_data = PersonalData(
        about="Whatever the file holds: minutes and hand-over records name the professionals involved. The "
        "upload page asks that no file name anyone affected: their details belong on their own records.",
        fields=("file", "name", "description"),
        who_may_see="Those who may see the record it is attached to; every download is audited.",
        lawful_basis="As the record it is attached to.",
        retention=(
            "Erased with its incident's people-affected details by the nightly retention job. A signed "
            "information-sharing agreement names no one affected: it is kept with the agreement's entry."
        ),
    )

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="attachments"
    )
    owner_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    file = models.FileField(upload_to=stored_name, max_length=200)
    name = models.CharField(max_length=200, help_text="The file's name as it was uploaded.")
    description = models.CharField(max_length=200, blank=True)
    media_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    marking = models.CharField(max_length=100)
    uploaded_by = user_field()
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="attachment_owner")]
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        # Also the label of its audit entries, which are kept for ever: the uploaded name may name someone.
        return f"File {self.pk} ({self.media_type})"

    @property
    def current_marking(self) -> str:
        """The marking it is listed and handed out with: its case's marking when it was uploaded, or the
        deployment's marking now if that has been raised since."""
        return downloads.marking_of(downloads.case_marking(), self.marking)


class StoredFileErasure(models.Model):
    """A stored file whose attachment was erased and that the storage has still to delete. It is written in
    the transaction that erases the attachment and removed once the storage has deleted the file, so a
    storage that fails (S3 out of reach) leaves it here to be tried again, never kept unseen for ever. The
    stored name is a random one (``stored_name``): it says nothing of what the file held."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200, unique=True)
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]

    def __str__(self):
        return f"Stored file {self.name} to delete"
