"""Writing a table to a CSV or Excel (XLSX) file: every download of svtoolkit's figures and records.

Every text cell a spreadsheet would run as a formula is written with a leading apostrophe, in both formats
(``contacts_csv.neutralise_formula``); times are written in local time.
"""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from svtoolkit.partnerships.contacts_csv import neutralise_formula

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
    if isinstance(value, int):
        return value
    return neutralise_formula(str(value))


def write(file_format: str, columns: list[str], rows: Iterable[list], *, title: str) -> tuple[bytes, int]:
    """The file's bytes and the number of data rows written."""
    count = 0
    if file_format == "csv":
        stream = io.StringIO()
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(_cell(value)) for value in row])
            count += 1
        return stream.getvalue().encode("utf-8-sig"), count
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(value) for value in row])
        count += 1
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue(), count


def _csv_value(value):
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value
