"""What a file must be before it is kept: small enough, and one of the kinds allowed, told by its content (its
leading bytes, and for Office files the package inside), with a name ending as that kind's do. A file whose
name says one thing and whose content another is refused."""

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from svtoolkit.core.errors import DomainError

EMPTY_FILE = "The selected file is empty"


@dataclass(frozen=True)
class Kind:
    label: str
    media_type: str
    suffixes: tuple[str, ...]
    article: str = "a"  # "an Excel workbook"

    @property
    def label_with_article(self) -> str:
        return f"{self.article} {self.label}"


PDF = Kind("PDF", "application/pdf", (".pdf",))
PNG = Kind("PNG image", "image/png", (".png",))
JPEG = Kind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
WORD = Kind(
    "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
EXCEL = Kind(
    "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    article="an",
)
TEXT = Kind("text or CSV file", "text/plain", (".txt", ".csv"))
KINDS = (PDF, PNG, JPEG, WORD, EXCEL, TEXT)
ALLOWED = "a PDF, Word document (.docx), Excel workbook (.xlsx), PNG or JPEG image, or text or CSV file"
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
_OFFICE_PARTS = {"word/document.xml": WORD, "xl/workbook.xml": EXCEL}
# Where an Office package keeps its macros (word/, xl/ or ppt/vbaProject.bin): a macro-enabled file (.docm,
# .xlsm) renamed .docx or .xlsx has the parts of one without.
_MACROS = "vbaproject.bin"


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def _office_kind(upload) -> Kind | None:
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
    except Exception:  # whatever a broken package makes zipfile raise (a bad name, a bad size): not allowed
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in _OFFICE_PARTS.items() if part in names), None)


def _holds_macros(upload) -> bool:
    """Whether the Office package ``upload`` (its kind already told) holds macros."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            return any(PurePosixPath(name).name.lower() == _MACROS for name in package.namelist())
    finally:
        upload.seek(0)


def _text_kind(upload) -> Kind | None:
    content = upload.read()
    if b"\0" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT


def sniff(upload) -> Kind | None:
    """The kind of file ``upload`` is, by its content; None when it is none of those allowed."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    try:
        for signature, kind in _SIGNATURES:
            if head.startswith(signature):
                return kind
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(upload)
        return _text_kind(upload)
    finally:
        upload.seek(0)


def check(upload) -> Kind:
    """The file's kind, or a DomainError on the ``file`` field saying what is wrong with it."""
    if upload.size == 0:
        raise DomainError(EMPTY_FILE, field="file")
    if upload.size > max_bytes():
        raise DomainError(
            f"The selected file must be smaller than {filesizeformat(max_bytes())}", field="file"
        )
    kind = sniff(upload)
    if kind is None:
        raise DomainError(f"The selected file must be {ALLOWED}", field="file")
    if kind in _OFFICE_PARTS.values() and _holds_macros(upload):
        raise DomainError(
            f"The selected file must not contain macros: save it without them as a {kind.suffixes[0]} file",
            field="file",
        )
    if PurePosixPath(upload.name).suffix.lower() not in kind.suffixes:
        endings = " or ".join(kind.suffixes)
        raise DomainError(
            f"The selected file is {kind.label_with_article}, so its name must end {endings}",
            field="file",
        )
    return kind
