"""Shared pieces of the figures pages (the partnership's reports, the region's figures): months, hours and
percentages as the tables show them, and the data ``assets/charts.js`` draws a chart from."""

from datetime import date, datetime, timedelta

from django.utils import timezone


def month_of(value) -> date:
    """The local first day of the month a database month truncation stands for."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def first_of_last_months(months: int, today: date) -> date:
    """The first day of the earliest of the last ``months`` calendar months, this one included (12 on
    31 January 2027: 1 February 2026): the periods of the figures are whole months, so none counts in part."""
    year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    return date(year, month + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def hours(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 3600, 1)


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def colour(position: int) -> str:
    """GOV.UK colours that stay apart for most kinds of colour blindness, in a fixed order."""
    palette = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#28a197", "#912b88"]
    return palette[position % len(palette)]


def chart(kind: str, title: str, labels: list[str], series: list[tuple[str, list]], **options) -> dict:
    """What assets/charts.js draws; the table beside each chart holds the same figures."""
    return {
        "kind": kind,
        "title": title,
        "labels": labels,
        "datasets": [
            {"label": label, "values": values, "colour": colour(position)}
            for position, (label, values) in enumerate(series)
        ],
        **options,
    }
