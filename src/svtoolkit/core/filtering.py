"""Filters on long lists (the MOJ Frontend filter component, a plain GET form): which choices were asked
for, the query that keeps them across pages, and a "selected filter" tag per choice whose link drops just
that one."""

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Filter:
    """One filter of a list: a repeatable GET parameter with fixed (value, label) choices."""

    name: str
    heading: str
    choices: list[tuple[str, str]]


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
