"""core.filtering: the selected-filter tags of a list's filter form, whatever its fields
(``filtered_by_form``), and the filter panel's checkboxes, remembered for each selection of their choices."""

import itertools
import re
from urllib.parse import parse_qs, urlencode

from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory

from svtoolkit.core.datetimes import DateField
from svtoolkit.core.filtering import Filter, filtered, filtered_by_form
from svtoolkit.core.templatetags import govuk


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


class CountedLabel:
    """A choice's label that counts how often it is shown."""

    def __init__(self, text):
        self.text, self.shown = text, 0

    def __str__(self):
        self.shown += 1
        return self.text


STATUS = Filter(
    name="status",
    heading="Status",
    choices=[("open", "Open"), ("closed", "Closed"), ("it's", "Tom & Jerry's <b>")],
)
KIND = Filter(name="kind", heading="Kind", choices=[("open", "Open kind"), ("drill", CountedLabel("Drill"))])


def panel(query: str) -> str:
    request = RequestFactory().get(f"/list/?{query}")
    return render_to_string(
        "components/filter_panel.html",
        {"filters": [STATUS, KIND], "filtered": filtered(request, STATUS, KIND)},
    )


def ticked(html: str) -> list[str]:
    return re.findall(r'name="(\w+)" type="checkbox" value="([^"]*)" checked', html)


SELECTIONS = [
    [("status", value) for value in chosen] + [("kind", value) for value in kinds]
    for chosen in itertools.chain.from_iterable(
        itertools.combinations(["open", "closed", "it's"], size) for size in range(4)
    )
    for kinds in ([], ["drill"], ["open", "drill"])
]


def test_each_selection_of_a_filter_s_choices_is_shown_ticked_and_as_when_first_drawn():
    govuk._filter_choices_drawn.clear()
    first = {urlencode(selection): panel(urlencode(selection)) for selection in SELECTIONS}
    for selection in reversed(SELECTIONS):  # now from memory, in another order
        html = panel(urlencode(selection))
        assert html == first[urlencode(selection)]
        escaped = [(name, value.replace("'", "&#x27;")) for name, value in selection]
        assert ticked(html) == sorted(escaped, key=lambda pair: pair[0] != "status")
    assert "Tom &amp; Jerry&#x27;s &lt;b&gt;</label>" in first[""]
    assert 'id="filter-status-it&#x27;s"' in first[""]


def test_a_filter_s_checkboxes_are_drawn_once_for_each_selection_of_its_choices():
    govuk._filter_choices_drawn.clear()
    label = KIND.choices[1][1]
    label.shown = 0
    for _ in range(3):
        panel("status=open")  # the label is shown by its checkbox alone (a selected one has a tag too)
    assert label.shown == 1
    panel("kind=open")
    assert label.shown == 2
    assert ticked(panel("kind=open&status=closed")) == [("status", "closed"), ("kind", "open")]
    assert label.shown == 2  # the status filter's choices changed, not this one's
