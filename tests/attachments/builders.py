"""Files to upload: the EICAR anti-virus test file, and small files of each kind allowed."""

import io
import zipfile

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


def a_package_with_macros(document_part: str) -> bytes:
    """A macro-enabled Office file (a .docm or .xlsm, say) as it would be renamed .docx or .xlsx: the parts of
    a document or workbook, and the macros beside them."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as package:
        package.writestr("[Content_Types].xml", "<x/>")
        package.writestr(document_part, "<x/>")
        package.writestr(f"{document_part.partition('/')[0]}/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    return stream.getvalue()


def a_package_with_a_broken_name() -> bytes:
    """A Word document's package whose last entry's name is marked UTF-8 but is not: zipfile cannot read
    its list of entries."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as package:
        package.writestr("[Content_Types].xml", "<x/>")
        package.writestr("word/document.xml", "<x/>")
        package.writestr("zz", "x")
    content = bytearray(stream.getvalue())
    entry = content.rfind(b"PK\x01\x02")  # its entry in the central directory
    content[entry + 9] |= 0x08  # the flag: its name is UTF-8
    content[entry + 46 : entry + 48] = b"\xff\xfe"  # the name, "zz", as bytes UTF-8 never has
    return bytes(content)


def attach(client, kind: str, owner_id: int, name: str, content: bytes, description: str = ""):
    return client.post(
        reverse("attachments:add", args=[kind, owner_id]),
        {"file": upload(name, content), "description": description},
    )
