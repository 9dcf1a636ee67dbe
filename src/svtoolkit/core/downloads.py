"""Every file the service hands out goes through here, so every file carries its protective marking:
inside the file (a first line, a sheet header and the workbook's properties, a calendar property, a JSON
key, the PDF's pages and keywords), in the file's name and in an ``X-Protective-Marking`` response header.

A document's marking follows the most sensitive thing in it: the partnership's case details carry the
deployment's marking (SVTOOLKIT_PROTECTIVE_MARKING), personal data about people affected is never less than
OFFICIAL-SENSITIVE, and a file of nothing more than references or a professional directory is OFFICIAL.
"""

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from icalendar import Calendar

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
LEVELS = (OFFICIAL, OFFICIAL_SENSITIVE)
HEADER = "X-Protective-Marking"


def case_marking() -> str:
    """The marking of the partnership's case details, as this deployment is set up."""
    return settings.PROTECTIVE_MARKING


def _rank(marking: str) -> int:
    """How sensitive a marking is. A deployment's marking may add a descriptor (OFFICIAL-SENSITIVE: PARTNERS
    ONLY) and ranks as the level it starts with; one that starts with no level known here ranks above them
    all, so a document is never marked lower than the deployment asks."""
    known = [rank for rank, level in enumerate(LEVELS) if marking.upper().startswith(level)]
    return max(known) if known else len(LEVELS)


def marking_of(*held: str) -> str:
    """The marking of a document holding things with these markings: the most sensitive of them (the first
    given of equally sensitive ones, so the deployment's own wording is kept when passed first)."""
    return max((*held, OFFICIAL), key=_rank)


def marking_for(*, personal_data: bool) -> str:
    """The marking of a document of case details, holding personal data about people affected or not."""
    return marking_of(case_marking(), OFFICIAL_SENSITIVE) if personal_data else case_marking()


EXERCISE_PREFIX = "EXERCISE-"


def marked_filename(filename: str, marking: str, *, exercise: bool = False) -> str:
    """``leeds-incidents.csv`` marked OFFICIAL is named ``leeds-incidents-OFFICIAL.csv``. A file of one
    exercise's starts ``EXERCISE-``: saved to a shared drive, it is never taken for a real incident's."""
    path = PurePosixPath(filename)
    marked = f"{path.stem}-{'-'.join(re.findall(r'[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*', marking))}{path.suffix}"
    return f"{EXERCISE_PREFIX}{marked}" if exercise else marked


def download(
    content: bytes,
    *,
    filename: str,
    content_type: str,
    marking: str,
    inline: bool = False,
    exercise: bool = False,
):
    """A response handing out a file already marked inside; the name and a header carry the marking too, and
    the name says EXERCISE first when the file is an exercise's."""
    response = HttpResponse(content, content_type=content_type)
    name_marked(response, filename, marking, inline=inline, exercise=exercise)
    response[HEADER] = marking
    return response


def name_marked(
    response, filename: str, marking: str, *, inline: bool = False, exercise: bool = False
) -> None:
    """Saved from the browser, the response's file is named with its marking (and EXERCISE, an exercise's)."""
    # Django quotes the name, and gives a name beyond ASCII as filename* as well.
    response["Content-Disposition"] = content_disposition_header(
        not inline, marked_filename(filename, marking, exercise=exercise)
    )


def csv_bytes(columns: list[str], rows: Iterable[list], *, marking: str) -> tuple[bytes, int]:
    """A CSV file whose first line is the marking, then the header row: its bytes and the number of rows."""
    stream = io.StringIO()
    count = _write_rows(csv.writer(stream).writerow, columns, rows, marking=marking)
    return stream.getvalue().encode("utf-8-sig"), count


def _write_rows(write, columns: list[str], rows: Iterable[list], *, marking: str) -> int:
    """The marking line, the header row, then the rows: the number of rows."""
    write([marking])
    write(columns)
    count = 0
    for row in rows:
        write(row)
        count += 1
    return count


def is_marking_line(cells: list[str]) -> bool:
    """Whether a CSV line is the marking line ``csv_bytes`` writes first, so a re-imported export skips it;
    also once a spreadsheet has saved it again, padded with empty cells to the width of the other lines."""
    return bool(cells) and cells[0].strip() in LEVELS and not any(cell.strip() for cell in cells[1:])


def xlsx_bytes(columns: list[str], rows: Iterable[list], *, title: str, marking: str) -> tuple[bytes, int]:
    """A workbook of one sheet: the marking in the first row, in the printed header and footer and in the
    file's properties (title, keywords, category, subject); its bytes and the number of rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{title} ({marking})"
    workbook.properties.keywords = marking
    workbook.properties.category = marking
    workbook.properties.subject = f"Protective marking: {marking}"
    workbook.properties.creator = settings.SERVICE_NAME
    sheet = workbook.create_sheet(title[:31])
    sheet.oddHeader.center.text = marking
    sheet.oddFooter.center.text = marking
    count = _write_rows(
        lambda values: sheet.append([_as_text(sheet, value) for value in values]),
        columns,
        rows,
        marking=marking,
    )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue(), count


def _as_text(sheet, value):
    """A text value as a cell of text: openpyxl would take one starting with "=" for a formula, and "#N/A"
    for an error, and the spreadsheet would run or show them so."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def new_calendar() -> Calendar:
    """An empty iCalendar as svtoolkit names itself in every calendar it makes (its product id, version 2.0),
    for ``calendar_bytes`` once its events are added."""
    calendar = Calendar()
    calendar.add("prodid", "-//svtoolkit//Serious Violence Incident Toolkit//EN")
    calendar.add("version", "2.0")
    return calendar


def calendar_bytes(calendar, *, marking: str) -> bytes:
    """An iCalendar file with the marking as the calendar's X-PROTECTIVE-MARKING property and in each event's
    CATEGORIES, where calendar programs show it."""
    calendar.add("x-protective-marking", marking)
    for event in calendar.walk("VEVENT"):
        event.add("categories", [marking])
    return calendar.to_ical()


def json_bytes(data: dict, *, marking: str) -> bytes:
    """A JSON document with the marking as its first key, ``protective_marking``."""
    return json.dumps({"protective_marking": marking, **data}, indent=2, ensure_ascii=False).encode("utf-8")
