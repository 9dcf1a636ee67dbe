"""Files to upload: the EICAR anti-virus test file, and small files of each kind allowed."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

# The standard EICAR test file: harmless, and recognised by every virus scanner as if it were a virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def a_workbook() -> bytes:
    from openpyxl import Workbook

    stream = io.BytesIO()
    Workbook().save(stream)
    return stream.getvalue()


def attach(client, kind: str, owner_id: int, name: str, content: bytes, description: str = ""):
    return client.post(
        reverse("attachments:add", args=[kind, owner_id]),
        {"file": upload(name, content), "description": description},
    )
