"""Where something is on the map: a place is given by both its coordinates or by neither.

The one statement of that rule, for scenes, police measures and incident alerts alike (their services check
it; the forms and the API show what the service says).
"""

from svtoolkit.core.errors import DomainError

BOTH_OR_NEITHER = "Give both the latitude and the longitude, or neither."


def half_a_place(latitude, longitude) -> bool:
    """Whether only one of the two coordinates was given (a point that cannot be drawn)."""
    return (latitude is None) != (longitude is None)


def check_coordinates(*, latitude, longitude, field: str = "longitude") -> None:
    """Refuse half a place, on ``field`` (the input the person is asked to complete)."""
    if half_a_place(latitude, longitude):
        raise DomainError(BOTH_OR_NEITHER, field=field)
