"""core.filtering.filtered_by_form: the selected-filter tags of a list's filter form, whatever its fields."""

from urllib.parse import parse_qs

from django import forms
from django.test import RequestFactory

from svtoolkit.core.datetimes import DateField
from svtoolkit.core.filtering import filtered_by_form


class ListFilters(forms.Form):
    kinds = forms.MultipleChoiceField(
        label="Kind", choices=[("stabbing", "Stabbing"), ("shooting", "Shooting")], required=False
    )
    mine = forms.BooleanField(label="Only mine", required=False)
    status = forms.ChoiceField(label="Status", choices=[("", "Any"), ("open", "Open")], required=False)
    since = DateField(label="Since", required=False)


def tags_of(query: str) -> dict[str, tuple[str, dict]]:
    request = RequestFactory().get(f"/list/?{query}")
    shown = filtered_by_form(request, ListFilters(request.GET))
    return {
        heading: (tag.label, parse_qs(tag.href.removeprefix("?"), keep_blank_values=True))
        for heading, tags in shown.categories
        for tag in tags
    }


def test_each_field_in_use_is_one_tag_in_words_that_drops_that_field_alone():
    query = "kinds=stabbing&kinds=shooting&status=open&since_day=5&since_month=4&since_year=2026&page=3"
    assert tags_of(query) == {
        "Kind": (
            "Stabbing, Shooting",
            {"status": ["open"], "since_day": ["5"], "since_month": ["4"], "since_year": ["2026"]},
        ),
        "Status": (
            "Open",
            {
                "kinds": ["stabbing", "shooting"],
                "since_day": ["5"],
                "since_month": ["4"],
                "since_year": ["2026"],
            },
        ),
        "Since": ("5 April 2026", {"kinds": ["stabbing", "shooting"], "status": ["open"]}),
    }


def test_a_box_left_unticked_or_empty_is_no_filter_and_an_invalid_form_shows_no_tags():
    assert tags_of("mine=&status=&since_day=&since_month=&since_year=") == {}
    assert tags_of("mine=on") == {"Only mine": ("Yes", {})}
    assert tags_of("status=open&since_day=31&since_month=2&since_year=2026") == {}
