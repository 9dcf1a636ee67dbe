"""Filters on long lists (the MOJ Frontend filter component, a plain GET form): which choices were asked
for, the query that keeps them across pages, and a "selected filter" tag per choice (or per field of a filter
form) whose link drops just that one."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode


@dataclass(frozen=True)
class Filter:
    """One filter of a list: a repeatable GET parameter with fixed (value, label) choices. Held as a tuple, so
    that the filter panel can remember its checkboxes by it (``{% filter_choices %}``)."""

    name: str
    heading: str
    choices: tuple[tuple[str, str], ...]

    def __post_init__(self):
        object.__setattr__(self, "choices", tuple((value, label) for value, label in self.choices))


@dataclass(frozen=True)
class FilterTag:
    label: str
    href: str


@dataclass(frozen=True)
class Filtered:
    selected: dict[str, list[str]]
    query: str
    categories: list[tuple[str, list[FilterTag]]]

    def of(self, name: str) -> list[str]:
        return self.selected.get(name, [])


def _query(selected: dict[str, list[str]]) -> str:
    return urlencode([(name, value) for name, values in selected.items() for value in values])


def filtered(request, *filters: Filter) -> Filtered:
    """What the list's filter form asked for: unknown values are ignored, each value counts once, in the
    choices' order. `query` (without "?") repeats them for paging links; each category's tags link to the
    list without that one value and with every other filter kept."""
    selected = {}
    for shown in filters:
        asked = set(request.GET.getlist(shown.name))
        selected[shown.name] = [value for value, _label in shown.choices if value in asked]
    categories = []
    for shown in filters:
        tags = []
        for value, label in shown.choices:
            if value in selected[shown.name]:
                rest = {
                    name: [kept for kept in values if (name, kept) != (shown.name, value)]
                    for name, values in selected.items()
                }
                tags.append(FilterTag(label=label, href=f"?{_query(rest)}"))
        if tags:
            categories.append((shown.heading, tags))
    return Filtered(selected=selected, query=_query(selected), categories=categories)


def _shown(field, value) -> str:
    """A filter form's value as its tag says it: a choice's label (each one's, for several), a date in words,
    "Yes" for a ticked box, or what was typed."""
    if value is True:
        return "Yes"
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    choices = {str(choice): label for choice, label in getattr(field, "choices", ())}
    values = value if isinstance(value, (list, tuple)) else [value]
    return ", ".join(str(choices.get(str(one), one)) for one in values)


def filtered_by_form(request, form) -> Filtered:
    """What a list's filter form (a select, a text box, dates: any form, valid or not) asked for: the query
    that keeps it across pages, and, once it is valid, a "selected filter" tag for each field that narrows
    the list, whose link drops that field (every box of a date) and keeps the rest."""
    asked = [
        (name, value) for name, values in request.GET.lists() if name != "page" for value in values if value
    ]
    categories = []
    if form.is_bound and form.is_valid():
        for bound in form:
            value = form.cleaned_data.get(bound.name)
            if value is False or value in (None, "", [], ()):
                continue
            boxes = getattr(bound.field.widget, "widgets_names", [])  # a date's day, month and year
            names = {bound.html_name, *(bound.html_name + box for box in boxes)}
            rest = [(name, kept) for name, kept in asked if name not in names]
            categories.append(
                (bound.label, [FilterTag(label=_shown(bound.field, value), href=f"?{urlencode(rest)}")])
            )
    return Filtered(selected={}, query=urlencode(asked), categories=categories)
