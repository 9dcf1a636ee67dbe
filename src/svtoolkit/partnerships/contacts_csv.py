"""The contacts CSV file: its columns, writing it for export, and reading an upload into rows.

Cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) are written with a leading apostrophe, so opening an export in Excel cannot run anything; reading
takes that apostrophe off again, so an export imports back unchanged.
"""

import csv
import io
from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import ValidationError

from svtoolkit.core import downloads
from svtoolkit.core.downloads import is_marking_line
from svtoolkit.partnerships.models import CONTACT_FIELDS

# A contact's fields, after its organisation; the owner is named by their email address.
COLUMNS = ["organisation", *("owner_email" if field == "owner" else field for field in CONTACT_FIELDS)]
EMPTY_FILE = "The file is empty. Choose a CSV file with a header row and at least one contact"
MAX_BYTES = 2 * 1024 * 1024
# Files of more rows than this are checked and imported by the task worker, with their progress on a page;
# smaller ones are done while the person waits (about a second), so they see the result at once.
IN_REQUEST_ROWS = 500
PROGRESS_EVERY = 100
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def _needs_escape(value: str) -> bool:
    # An apostrophe before a formula character (or another apostrophe) is escaped too, so that
    # _restore can always tell an escape it added from an apostrophe the person typed.
    return value.startswith(_FORMULA_STARTS) or (
        value.startswith(_ESCAPE) and value[1:].startswith((*_FORMULA_STARTS, _ESCAPE))
    )


def neutralise_formula(value: str) -> str:
    """The cell as typed, or with a leading apostrophe if a spreadsheet would run it (every export)."""
    return _ESCAPE + value if _needs_escape(value) else value


def _restore(value: str) -> str:
    return value[1:] if value.startswith(_ESCAPE) and _needs_escape(value[1:]) else value


def contact_row(contact) -> list[str]:
    """One contact as the export's cells, in ``COLUMNS`` order."""
    values = [
        contact.organisation.name,
        contact.name,
        contact.job_title,
        contact.email,
        contact.phone,
        contact.other_phone,
        contact.out_of_hours,
        contact.incident_role,
        "" if contact.escalation_order is None else str(contact.escalation_order),
        contact.owner.email if contact.owner else "",
        contact.review_due.isoformat(),
    ]
    return [neutralise_formula(value) for value in values]


def contacts_file(contacts: Iterable, *, marking: str) -> tuple[bytes, int]:
    """The export (marking line, header, a row per contact): its bytes and the number of contacts."""
    return downloads.csv_bytes(COLUMNS, (contact_row(contact) for contact in contacts), marking=marking)


class Row(NamedTuple):
    """A data row: the file line it starts on, its values by column, or why its cells cannot be read."""

    line: int
    values: dict[str, str]
    problem: str


def read_rows(content: bytes) -> list[Row]:
    """Every data row that is not blank (line 1 is the header, or line 2 after an export's marking line).

    Raises ``ValidationError`` with a message for the person when the file as a whole cannot be used:
    not UTF-8, empty, holding a NUL character, no header row, no rows, or columns missing, unknown,
    repeated or blank (other than the blank columns a spreadsheet adds after the last named one).
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not saved as UTF-8. In Excel, save it as “CSV UTF-8 (Comma delimited)”"
        ) from None
    if not text.strip():
        raise ValidationError(EMPTY_FILE)
    if "\x00" in text:
        # No database text can hold one (PostgreSQL refuses it), and no spreadsheet writes one in a CSV.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(
            f"The file holds a NUL character (line {line}), so it is not a plain CSV file. "
            "In Excel, save it as “CSV UTF-8 (Comma delimited)”"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader)
        header_cells = next(reader, None) if is_marking_line(first) else first
        if header_cells is None:
            raise ValidationError(
                f"The header row is missing: the file has only its marking line ({first[0].strip()}). "
                f"The next line must name the columns: {', '.join(COLUMNS)}"
            )
        header = [column.strip().casefold() for column in header_cells]
        # A spreadsheet pads the header with empty cells once any cell to their right was used: ignored,
        # as long as the rows leave them empty too (``_row``). A blank between named columns is refused.
        width = len(header)
        while header and not header[-1]:
            header.pop()
        missing = [column for column in COLUMNS if column not in header]
        unknown = [column for column in header if column and column not in COLUMNS]
        repeated = sorted({column for column in header if column in COLUMNS and header.count(column) > 1})
        blank = [str(number) for number, column in enumerate(header, 1) if not column]
        if missing or unknown or repeated or blank:
            problems = []
            for what, columns in (("missing", missing), ("unknown", unknown), ("repeated", repeated)):
                if columns:
                    problems.append(f"{what} columns: {', '.join(columns)}")
            if blank:
                problems.append(
                    f"column {blank[0]} has no name"
                    if len(blank) == 1
                    else f"columns {', '.join(blank)} have no name"
                )
            raise ValidationError(
                f"The header row (line {reader.line_num}) is not right ({'; '.join(problems)}). "
                f"The columns must be: {', '.join(COLUMNS)}"
            )
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(_row(line, header, width, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ValidationError(
            f"The file could not be read as CSV near line {reader.line_num}: {error}"
        ) from None
    if not rows:
        raise ValidationError("The file has a header row but no contacts. Add a row for each contact")
    return rows


def _row(line: int, header: list[str], width: int, cells: list[str]) -> Row:
    """The row's values by column; the cells under the header's blank padding (up to ``width``) must be
    empty, since nothing says which column a value there was meant for."""
    named = len(header)
    if not named <= len(cells) <= width:
        return Row(line, {}, f"it has {len(cells)} values but the header row has {named} columns")
    for number, cell in enumerate(cells[named:], named + 1):
        if cell.strip():
            return Row(line, {}, f"column {number} has a value but no name in the header row")
    return Row(line, {column: _restore(cell) for column, cell in zip(header, cells[:named], strict=True)}, "")
