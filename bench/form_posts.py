"""What a person's browser sends, for the bench's requests (bench/locustfile.py, bench/run.py, page_cpu.py).

A write posts what the form page holds: every hidden field (the CSRF token, the one-time submission key, the
revision or status the page showed, and any other) with the fields the person changed, so the server does
the work a real save does, not the work of refusing a form with a field missing. A write ends in a redirect;
anything else is a failure (an edit conflict, someone else having saved first, apart from the rest).

A panel that refreshes itself (the incident page's live part) is asked for with the headers htmx sends: its
own (HX-Request and the rest) and those the page gives it in ``hx-headers`` (X-Svt-Background, X-Svt-Shown).
Nothing here needs Django or a particular HTTP client.
"""

import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# A write refused because someone else saved the record first (core.forms.show_edit_conflict, and the
# services' conflict messages): the form is shown again. Counted apart from errors.
EDIT_CONFLICT = "edit conflict: someone else saved it first"
CONFLICT_SAID = "Someone else changed"


class FormNotFound(LookupError):
    pass


class _Page(HTMLParser):
    """The page's forms (method, action, hidden fields) and each element's hx-headers, by id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.hx_headers: dict[str, str] = {}
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "hx-headers" in attrs and attrs.get("id"):
            self.hx_headers[attrs["id"]] = attrs["hx-headers"]
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "hidden": {},
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and (attrs.get("type") or "").lower() == "hidden":
            if attrs.get("name"):
                self._form["hidden"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _path(page: str, action: str) -> str:
    return urlsplit(urljoin(page, action or page)).path


def form_data(html: str, *, page: str, changes: dict, action: str | None = None) -> dict:
    """What the browser posts from the form of ``html`` (the page at ``page``) that posts to ``action``
    (default: the page itself): its hidden fields, then ``changes``, the fields the person filled in."""
    target = _path(page, action or page)
    for form in _read(html).forms:
        if form["method"] == "post" and _path(page, form["action"]) == target:
            return {**form["hidden"], **changes}
    raise FormNotFound(f"No form on {page} posts to {target}.")


def write_failure(status: int, text: str) -> str | None:
    """Why a write failed (EDIT_CONFLICT when someone else saved first), or None: it ended in a redirect."""
    if status == 302:
        return None
    if CONFLICT_SAID in text:
        return EDIT_CONFLICT
    return f"HTTP {status}, not a redirect"


def refresh_headers(html: str, element_id: str, *, page: str) -> dict[str, str]:
    """The headers htmx sends when the element ``element_id`` of ``html`` (the page at ``page``, a full
    address) refreshes itself: its own, and the element's hx-headers."""
    own = {"HX-Request": "true", "HX-Current-URL": page, "HX-Target": element_id, "HX-Trigger": element_id}
    given = _read(html).hx_headers.get(element_id)
    if given is None:
        raise LookupError(f"No element {element_id} with hx-headers on {page}.")
    return {**own, **json.loads(given)}
