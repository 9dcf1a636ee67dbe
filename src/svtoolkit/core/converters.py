"""The path converter for records' ids in the project's addresses (``<id:incident_id>``), registered when
core is ready."""

from django.urls.converters import IntConverter

from svtoolkit.core import limits


class RecordIdConverter(IntConverter):
    """A record's id in an address: Django's ``int``, but only up to what a database can hold
    (``limits.LARGEST_ID``). A larger one matches no address, so it is a 404 like an id of no record, and
    never reaches the database (which would fail on it). 0 still reaches the view, which finds nothing. Under
    /api/ either 404 is JSON with the protective marking (core.views.page_not_found answers as the API)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > limits.LARGEST_ID:
            raise ValueError(f"{value} is not the id of any record")
        return number
