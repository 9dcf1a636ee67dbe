"""The filters of the API's lists. A value that makes no sense is a 400 naming the filter, never ignored."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField

from svtoolkit.core import limits
from svtoolkit.incidents.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Incident,
    IncidentStatus,
    PlanAction,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.partnerships.models import Contact

MAX_ID = 2**31 - 1


def id_filter(field_name, label):
    return django_filters.NumberFilter(
        field_name=field_name, label=label, min_value=1, max_value=MAX_ID, decimal_places=0
    )


class ThisCenturyField(IsoDateTimeField):
    """An ISO 8601 date and time in the years 2000 to 2099, in UTC (a database may refuse an odd offset)."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        # The year as given is checked first: year 1 or 9999 with an offset has no time in UTC to convert to.
        limits.within_supported_years(moment)
        moment = moment.astimezone(UTC)
        limits.within_supported_years(moment)
        return moment


class ThisCenturyFilter(django_filters.IsoDateTimeFilter):
    field_class = ThisCenturyField


class YesOrNoField(forms.Field):
    """true or false (1 or 0); left out or empty, no filter. django-filter's own reads any other word as
    "no filter" and answers the whole list, which a client would take for the filtered one."""

    default_error_messages = {"invalid": "Enter true or false."}
    meanings = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.meanings[str(value).lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class YesOrNoFilter(django_filters.BooleanFilter):
    field_class = YesOrNoField


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    type = django_filters.CharFilter(method="filter_type", max_length=64, label="Type of incident (a code)")
    is_exercise = YesOrNoFilter()
    occurred_after = ThisCenturyFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = ThisCenturyFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["status", "type", "is_exercise", "occurred_after", "occurred_before"]

    def filter_type(self, queryset, name, value):
        # The types are a JSON list of codes; its text holds each code in quotes, on SQLite and PostgreSQL.
        return queryset.filter(incident_types__icontains=f'"{value}"')


class ActionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices)
    owner_organisation = id_filter("owner_organisation_id", "The id of the owning organisation")
    overdue = YesOrNoFilter(method="filter_overdue", label="Open and past its due time")
    incident = id_filter("incident_id", "The id of the incident")

    class Meta:
        model = PlanAction
        fields = ["status", "owner_organisation", "overdue", "incident"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_ACTION_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class TimelineFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TimelineKind.choices)

    class Meta:
        model = TimelineEntry
        fields = ["kind"]


class ContactFilter(django_filters.FilterSet):
    organisation = id_filter("organisation_id", "The id of the contact's organisation")

    class Meta:
        model = Contact
        fields = ["organisation"]
