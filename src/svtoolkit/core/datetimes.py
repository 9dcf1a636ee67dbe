"""The date-and-time input every form uses, and what it does on the nights the clocks change.

On the night the clocks go back (Europe/London: 2am BST becomes 1am GMT), every time from 1am to 1:59am
happens twice. The input then asks, in plain words, which of the two was meant: a choice of "BST, the first
time" or "GMT, the second time" appears with it. On the night the clocks go forward, 1am to 1:59am never
happens; the person is told so and asked for a time that did. A time that comes back from the database shows
the choice already made, so saving the form again keeps it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
        )
    if not clock:
        raise ValidationError(
            f"The clocks went back an hour on {day}, so {time} happened twice: first in "
            f"{zone_in_words(change.zone_before)}, then an hour later in {zone_in_words(change.zone_after)}. "
            f"Choose which {time} you mean.",
            code="clock_repeated",
        )
    return wall.replace(tzinfo=zone, fold=1 if clock == SECOND else 0).astimezone(UTC)


def wall_clock_of(value) -> tuple[datetime, str] | None:
    """What an input shows and which of two repeated times is chosen: from a stored time (a naive local time
    with its fold) or from what was typed."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), SECOND if value.fold else FIRST
    if not isinstance(value, str):
        return None
    for format_ in INPUT_FORMATS:
        try:
            return datetime.strptime(value.strip(), format_), getattr(value, "clock", "")
        except ValueError:
            continue
    return None


class LocalDateTimeInput(forms.DateTimeInput):
    """A date and time box; on the night the clocks go back, with the question which of the two times."""

    template_name = "components/widgets/local_datetime.html"
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"type": "datetime-local", **(attrs or {})}, format=DATETIME_FORMAT)

    def value_from_datadict(self, data, files, name):
        text = data.get(name)
        return None if text is None else TypedTime(text, data.get(f"{name}_clock", ""))

    def format_value(self, value):
        if isinstance(value, datetime):
            return value.strftime(DATETIME_FORMAT)
        return super().format_value(value)

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


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the partnership's time zone, typed as on a clock (see the module's docstring)."""

    widget = LocalDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", INPUT_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else local_time(value)
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
