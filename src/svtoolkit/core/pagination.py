"""Keyset pagination: a page starts from where the last one ended, so page 2,000 costs what page 1 does.

The cursor in the address is the boundary row's time (in microseconds) and id, which together order rows
newest first without ties. A cursor that cannot be read gives the first page, never an error.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class KeysetPage:
    items: list
    newer: str | None  # cursor of the page before this one, None on the first page
    older: str | None  # cursor of the page after this one, None on the last page


def _cursor(row, field: str) -> str:
    moment = getattr(row, field) - EPOCH
    return f"{moment // timedelta(microseconds=1)}-{row.pk}"


def _parse(cursor: str) -> tuple[datetime, int] | None:
    try:
        micros, pk = (int(part) for part in cursor.split("-"))
        return EPOCH + timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


def newest_first_page(
    rows: QuerySet, *, field: str, size: int, older_than: str = "", newer_than: str = ""
) -> KeysetPage:
    """One page of rows ordered by ``field`` then id, newest first, after or before a cursor."""
    older, newer = _parse(older_than), _parse(newer_than)
    if newer and not older:
        moment, pk = newer
        found = list(
            rows.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk})).order_by(
                field, "pk"
            )[: size + 1]
        )
        items = found[:size][::-1]
        more_newer, more_older = len(found) > size, True
    else:
        if older:
            moment, pk = older
            rows = rows.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}))
        found = list(rows.order_by(f"-{field}", "-pk")[: size + 1])
        items = found[:size]
        more_newer, more_older = older is not None, len(found) > size
    return KeysetPage(
        items=items,
        newer=_cursor(items[0], field) if items and more_newer else None,
        older=_cursor(items[-1], field) if items and more_older else None,
    )
