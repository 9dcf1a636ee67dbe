"""The controls of a part htmx swaps in again (a live panel) that it could not give focus back to: htmx finds
the element that had focus in the new part by its id alone, so each link, button, field and focusable region
needs an id, one no other element of the part has."""

from collections import Counter
from html.parser import HTMLParser


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.controls: list[tuple[str, str | None]] = []
        self.ids: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        focusable = (
            (tag == "a" and "href" in attrs)
            or tag in ("button", "select", "textarea")
            or (tag == "input" and attrs.get("type") != "hidden")
            or attrs.get("tabindex", "-1") != "-1"
        )
        if focusable:
            self.controls.append((self.get_starttag_text(), attrs.get("id")))


def controls_without_an_id_of_their_own(html: str) -> list[str]:
    reader = _Controls()
    reader.feed(html)
    return [shown for shown, id_ in reader.controls if not id_ or reader.ids[id_] > 1]


def ids_given_more_than_once(html: str) -> list[str]:
    """The ids two or more elements of the markup carry: a link to one (``#id``) or a label for one could lead
    to the other."""
    reader = _Controls()
    reader.feed(html)
    return sorted(id_ for id_, count in reader.ids.items() if count > 1)
