"""Writing a table to a CSV or Excel (XLSX) file, marked: every download of svtoolkit's figures and records.

Every text cell a spreadsheet would run as a formula is written with a leading apostrophe, in both formats
(``contacts_csv.neutralise_formula``); times are written in local time. The characters an XLSX file cannot
hold (XML 1.0 has no place for them: control characters, U+FFFE, U+FFFF, lone surrogates) are left out of
every cell, in both formats, before the apostrophe is decided: left out after, they would uncover an "=" the
apostrophe was not put before.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from svtoolkit.core import downloads
from svtoolkit.partnerships.contacts_csv import neutralise_formula

# What XML 1.0 has no place for: C0 controls but tab and line breaks (openpyxl's ILLEGAL_CHARACTERS_RE, which
# it refuses), and U+FFFE, U+FFFF and lone surrogates, which it would write into a file no spreadsheet opens
# (a lone surrogate is in no UTF-8 file, CSV either).
_NOT_IN_A_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # a number, for the spreadsheet to add up and chart
        return value
    return neutralise_formula(_NOT_IN_A_CELL.sub("", str(value)))


def write(
    file_format: str, columns: list[str], rows: Iterable[list], *, title: str, marking: str
) -> tuple[bytes, int]:
    """The file's bytes, marked inside (``core.downloads``), and the number of data rows written."""
    if file_format == "csv":
        return downloads.csv_bytes(
            columns, ([_csv_value(_cell(value)) for value in row] for row in rows), marking=marking
        )
    return downloads.xlsx_bytes(
        columns, ([_cell(value) for value in row] for row in rows), title=title, marking=marking
    )


def _csv_value(value):
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value
