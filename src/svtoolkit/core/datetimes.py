"""The date input and the date-and-time input every form uses, and what they do when the clocks change.

Dates are typed as GOV.UK's date input asks for them: day, month and year in three boxes (a time in a fourth
box after them), each part checked on its own so the error says which part is wrong and the error summary
links to it. A value sent whole (``2026-03-27``, ``27/03/2026``, ``2026-03-27T14:30``), as API-like clients
and older pages do, is still read.

On the night the clocks go back (Europe/London: 2am BST becomes 1am GMT), every time from 1am to 1:59am
happens twice. The input then asks, in plain words, which of the two was meant: a choice of "BST, the first
time" or "GMT, the second time" appears with it. On the night the clocks go forward, 1am to 1:59am never
happens; the person is told so and asked for a time that did. A time that comes back from the database shows
the choice already made, so saving the form again keeps it.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from svtoolkit.core.limits import within_supported_years

# How far ahead of the server's a clock that says when something happened may be (a phone's, a police
# system's, a few minutes fast): a time no further ahead is not refused as in the future.
CLOCK_SKEW = timedelta(minutes=5)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
FIRST, SECOND = "first", "second"  # the two times a wall-clock time happens when the clocks go back

_ZONE_NAMES = {"BST": "British Summer Time", "GMT": "Greenwich Mean Time"}


class TypedTime(str):
    """What was typed into the input, carrying which of two repeated times was chosen ("", first, second)."""

    def __new__(cls, text: str, clock: str = ""):
        typed = super().__new__(cls, text)
        typed.clock = clock if clock in {FIRST, SECOND} else ""
        return typed


@dataclass(frozen=True)
class ClockChange:
    """A wall-clock time the clocks' change makes repeated ("back") or missing ("forward")."""

    direction: str
    before: datetime  # the wall-clock time at which the clocks changed, in the old time
    after: datetime  # the same moment in the new time
    zone_before: str
    zone_after: str


def clock_change_at(wall: datetime, zone: tzinfo) -> ClockChange | None:
    """The clock change that makes this naive wall-clock time repeated or missing in ``zone``, if any."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    old_offset, new_offset = first.utcoffset(), second.utcoffset()
    # The change happened at a whole minute within an offset's difference of this time: find it.
    earliest = (wall - max(old_offset, new_offset)).replace(tzinfo=UTC)
    minutes = int(abs(new_offset - old_offset).total_seconds() // 60) + 1
    moment = next(
        (
            earliest + timedelta(minutes=step)
            for step in range(minutes + 1)
            if (earliest + timedelta(minutes=step)).astimezone(zone).utcoffset() == new_offset
        ),
        earliest,
    )
    return ClockChange(
        direction="back" if new_offset < old_offset else "forward",
        before=(moment + old_offset).replace(tzinfo=None),
        after=(moment + new_offset).replace(tzinfo=None),
        zone_before=first.tzname(),
        zone_after=second.tzname(),
    )


def clock_time(wall: datetime) -> str:
    """A time as GOV.UK writes it: 1am, 1:30am, midday, midnight."""
    if (wall.hour, wall.minute) == (0, 0):
        return "midnight"
    if (wall.hour, wall.minute) == (12, 0):
        return "midday"
    minutes = f":{wall.minute:02d}" if wall.minute else ""
    return f"{(wall.hour - 1) % 12 + 1}{minutes}{'am' if wall.hour < 12 else 'pm'}"


def zone_in_words(abbreviation: str) -> str:
    name = _ZONE_NAMES.get(abbreviation)
    return f"{abbreviation} ({name})" if name else abbreviation


def clock_choices(wall: datetime, change: ClockChange) -> list[tuple[str, str]]:
    time = clock_time(wall)
    return [
        (FIRST, f"{time} {zone_in_words(change.zone_before)}: the first {time}, before the clocks went back"),
        (SECOND, f"{time} {zone_in_words(change.zone_after)}: the second {time}, after the clocks went back"),
    ]


def day_in_words(wall: datetime) -> str:
    return f"{wall:%A} {wall.day} {wall:%B %Y}"


def days_later_on_the_clock(moment: datetime, days: int, *, zone: tzinfo | None = None) -> datetime:
    """``moment`` ``days`` later at the same time on the clock in ``zone`` (the current time zone), in UTC:
    across a clock change that day is 23 or 25 hours on. A time the change skips is taken an hour later on
    the clock, one it repeats the first time, as calendar programs do; ``moment`` itself on its own day."""
    if not days:
        return moment.astimezone(UTC)
    zone = zone or timezone.get_current_timezone()
    wall = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def local_time(wall: datetime, *, clock: str = "", zone: tzinfo | None = None) -> datetime:
    """The moment a naive wall-clock time names in ``zone`` (the current time zone), with ``clock`` saying
    which of two repeated times was meant. Raises a ValidationError a person understands otherwise.

    The moment is returned in UTC: two times in one zone compare by their wall clocks alone (Python ignores
    ``fold``), so 1:30am GMT would otherwise count as earlier than 1:45am BST."""
    zone = zone or timezone.get_current_timezone()
    change = clock_change_at(wall, zone)
    if change is None:
        return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    time, day = clock_time(wall), day_in_words(wall)
    if change.direction == "forward":
        gap_starts, gap_ends = clock_time(change.before), clock_time(change.after)
        raise ValidationError(
            f"The clocks went forward an hour at {gap_starts} on {day}, so there was no {time} that night. "
            f"Enter a time before {gap_starts} or from {gap_ends}.",
            code="clock_gap",
            params={"parts": ["time"]},
        )
    if not clock:
        raise ValidationError(
            f"The clocks went back an hour on {day}, so {time} happened twice: first in "
            f"{zone_in_words(change.zone_before)}, then an hour later in {zone_in_words(change.zone_after)}. "
            f"Choose which {time} you mean.",
            code="clock_repeated",
            params={"parts": ["time"]},
        )
    return wall.replace(tzinfo=zone, fold=1 if clock == SECOND else 0).astimezone(UTC)


def wall_clock_of(value) -> tuple[datetime, str] | None:
    """What an input shows and which of two repeated times is chosen: from a stored time (a naive local time
    with its fold) or from what was typed."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), SECOND if value.fold else FIRST
    if isinstance(value, TypedParts):
        try:
            wall = wall_clock_from_parts(value)
        except ValidationError:
            return None
        return None if wall is None else (wall, value.clock)
    if not isinstance(value, str):
        return None
    for format_ in INPUT_FORMATS:
        try:
            return datetime.strptime(value.strip(), format_), getattr(value, "clock", "")
        except ValueError:
            continue
    return None


DATE_PARTS = ("day", "month", "year")
_PART_WIDTHS = {"day": 2, "month": 2, "year": 4, "time": 5}
_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")


class TypedParts(list):
    """What was typed into the boxes of a date (or date and time) input, in order, with the choice of which
    of two repeated times was meant ("", first, second)."""

    def __init__(self, parts, clock: str = ""):
        super().__init__(parts)
        self.clock = clock if clock in {FIRST, SECOND} else ""


def parts_in_error(bound_field) -> list[str]:
    """The boxes of a date input that its errors are about (all of them when an error names none)."""
    names = list(getattr(bound_field.field.widget, "part_names", ()))
    wrong = [
        part
        for error in bound_field.errors.as_data()
        for part in ((error.params or {}).get("parts") or names)
    ]
    return [name for name in names if name in wrong]


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _part_error(message: str, parts: list[str], code: str) -> ValidationError:
    return ValidationError(message, code=code, params={"parts": parts})


def date_from_parts(day: str, month: str, year: str, *, what: str = "The date") -> date | None:
    """The date three boxes name, None if all are empty; otherwise a ValidationError that names the boxes
    that are missing or wrong, in GOV.UK's words ("The date must include a month", "must be a real date")."""
    typed = {
        "day": str(day or "").strip(),
        "month": str(month or "").strip(),
        "year": str(year or "").strip(),
    }
    if not any(typed.values()):
        return None
    missing = [part for part in DATE_PARTS if not typed[part]]
    if missing:
        raise _part_error(f"{what} must include a {_listed(missing)}", missing, "incomplete")
    not_numbers = [part for part in DATE_PARTS if not is_plain_number(typed[part], digits=4)]
    if not_numbers:
        raise _part_error(f"{what} must be a real date", not_numbers, "invalid")
    if len(typed["year"]) != 4:
        raise _part_error("The year must include 4 numbers", ["year"], "invalid")
    day_, month_, year_ = (int(typed[part]) for part in DATE_PARTS)
    if not 1 <= month_ <= 12:
        raise _part_error(f"{what} must be a real date", ["month"], "invalid")
    try:
        return date(year_, month_, day_)
    except ValueError:
        raise _part_error(f"{what} must be a real date", ["day"], "invalid") from None


def is_plain_number(text: str, *, digits: int) -> bool:
    """Whether ``text`` is a whole number of at most ``digits`` digits 0 to 9: ``int`` reads it, and reads it
    as the number a person meant (not "²" or "٣", which ``isdigit`` lets through)."""
    return text.isascii() and text.isdecimal() and len(text) <= digits


def time_from_text(text: str, *, what: str = "The time") -> time:
    """A time typed on the 24-hour clock (14:30, 14.30, 1430) or as 2:30pm; otherwise a ValidationError."""
    typed = re.sub(r"\s+", "", str(text or "")).lower()
    if re.fullmatch(r"\d{3,4}", typed):
        typed = f"{typed[:-2]}:{typed[-2:]}"
    match = _TIME.match(typed)
    if match is None:
        raise _part_error(f"{what} must be a real time, like 14:30", ["time"], "invalid")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise _part_error(f"{what} must be a real time, like 2:30pm", ["time"], "invalid")
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise _part_error(f"{what} must be a real time, like 14:30", ["time"], "invalid")
    return time(hour, minute)


class PartsBoundField(forms.BoundField):
    """A date input on a page: its boxes in error are marked, wherever the field is rendered."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        attrs = {**(attrs or {}), "parts_in_error": parts_in_error(self)}
        return super().as_widget(widget, attrs, only_initial)


class DatePartsInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes in one group (the field's label is its legend)."""

    template_name = "components/widgets/date_parts.html"
    part_names = DATE_PARTS

    def __init__(self, attrs=None):
        boxes = {
            part: forms.TextInput(attrs={"inputmode": "numeric"} if part != "time" else {})
            for part in self.part_names
        }
        super().__init__(boxes, attrs)

    def decompress(self, value):
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        if isinstance(value, str):  # a date sent whole, shown in its boxes when it reads as a date
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                return [value, "", ""]
            return [value.day, value.month, value.year]
        return [None] * len(self.part_names)

    def value_from_datadict(self, data, files, name):
        if name in data:  # sent whole, as a single box or a client that posts ISO dates does
            return data.get(name)
        return TypedParts(data.get(f"{name}_{part}", "") for part in self.part_names)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        # The parts in error come from the bound field (it knows the errors).
        attrs = dict(attrs or {})
        wrong = set(attrs.pop("parts_in_error", ()))
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        for part, box in zip(self.part_names, widget["subwidgets"], strict=True):
            box["attrs"]["id"] = f"{widget['attrs'].get('id', name)}_{part}"
            box["part"] = part
            box["label"] = part.capitalize()
            box["width"] = _PART_WIDTHS[part]
            box["error"] = part in wrong
        widget["date_boxes"] = widget["subwidgets"][: len(DATE_PARTS)]
        widget["time_box"] = next((box for box in widget["subwidgets"] if box["part"] == "time"), None)
        return context


class DateField(forms.DateField):
    """A date typed into GOV.UK's date input (see the module's docstring), within the supported years.

    ``what`` names the date in its error messages: "The review date must include a month"."""

    widget = DatePartsInput
    bound_field_class = PartsBoundField
    default_validators = [within_supported_years]

    def __init__(self, *, what: str = "The date", **kwargs):
        self.what = what
        kwargs["error_messages"] = {
            "invalid": f"{what} must be a real date",
            **kwargs.get("error_messages", {}),
        }
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("help_text", "For example, 27 3 2026")
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return date_from_parts(*value[:3], what=self.what)
        return super().to_python(value)


class LocalDateTimeInput(DatePartsInput):
    """A date input and a time box; on the night the clocks go back, with the question which of the two
    times was meant."""

    template_name = "components/widgets/local_datetime.html"
    part_names = (*DATE_PARTS, "time")

    def decompress(self, value):
        shown = wall_clock_of(value)
        if shown is None:
            return [value, "", "", ""] if isinstance(value, str) and value else [None] * 4
        wall = shown[0]
        return [wall.day, wall.month, wall.year, wall.strftime("%H:%M")]

    def value_from_datadict(self, data, files, name):
        clock = data.get(f"{name}_clock", "")
        if name in data:
            text = data.get(name)
            return None if text is None else TypedTime(text, clock)
        return TypedParts((data.get(f"{name}_{part}", "") for part in self.part_names), clock)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        shown = wall_clock_of(value)
        change = clock_change_at(shown[0], timezone.get_current_timezone()) if shown else None
        if change is not None and change.direction == "back":
            wall, chosen = shown
            context["widget"]["clock"] = {
                "name": f"{name}_clock",
                "id": f"{context['widget']['attrs'].get('id', name)}_clock",
                "legend": f"Which {clock_time(wall)} on {day_in_words(wall)}?",
                "choices": [
                    {"value": option, "label": label, "checked": option == chosen}
                    for option, label in clock_choices(wall, change)
                ],
            }
        return context


def wall_clock_from_parts(parts, *, what: str = "The date and time") -> datetime | None:
    """The wall-clock time four boxes name (day, month, year, time), None if all are empty."""
    day, month, year, typed_time = (list(parts) + [""] * 4)[:4]
    if not any(str(part or "").strip() for part in (day, month, year, typed_time)):
        return None
    try:
        when = date_from_parts(day, month, year, what=what)
    except ValidationError as error:
        if not str(typed_time or "").strip():
            if error.code == "incomplete":
                missing = [*error.params["parts"], "time"]
                raise _part_error(
                    f"{what} must include a {_listed(missing)}", missing, "incomplete"
                ) from None
        raise
    if when is None:
        raise _part_error(f"{what} must include a date", list(DATE_PARTS), "incomplete")
    if not str(typed_time or "").strip():
        raise _part_error(f"{what} must include a time", ["time"], "incomplete")
    return datetime.combine(when, time_from_text(typed_time, what=what))


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the partnership's time zone, typed as on a clock (see the module's docstring)."""

    widget = LocalDateTimeInput
    bound_field_class = PartsBoundField
    default_validators = [within_supported_years]

    def __init__(self, *, what: str = "The date and time", **kwargs):
        self.what = what
        kwargs.setdefault("input_formats", INPUT_FORMATS)
        kwargs.setdefault("help_text", "For example, 27 3 2026 and 14:30 (the 24-hour clock)")
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else local_time(value)
        if isinstance(value, (list, tuple)):
            wall = wall_clock_from_parts(value, what=self.what)
            return None if wall is None else local_time(wall, clock=getattr(value, "clock", ""))
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed is None:
            parsed = forms.fields.BaseTemporalField.to_python(self, text)
        if timezone.is_aware(parsed):
            return parsed  # it names its offset: nothing to ask
        return local_time(parsed, clock=getattr(value, "clock", ""))


def date_field(label, *, required=True, help_text="") -> DateField:
    """A date a form asks for, named in its messages by its label ("Enter the due date", "The due date must
    be a real date")."""
    return DateField(
        label=label,
        required=required,
        what=f"The {label.lower()}",
        **({"help_text": help_text} if help_text else {}),
        error_messages={"required": f"Enter the {label.lower()}"},
    )


def datetime_field(label, required_message, **kwargs) -> LocalDateTimeField:
    """A date and time a form asks for, as typed on a clock; on the nights the clocks change, see above."""
    return LocalDateTimeField(
        label=label,
        error_messages={
            "required": required_message,
            "invalid": "Enter a real date and time, like 2026-11-25 14:30",
        },
        **kwargs,
    )
