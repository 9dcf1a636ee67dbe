"""What a browser would send back from a page's form: every input, chosen option and text area, as shown."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append([])
        if not self.forms:
            return
        fields = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields.append((name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            name, text = self._textarea
            self.forms[-1].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_on(page, *, having: str) -> dict:
    """The fields of the page's form that has a field ``having``, as a browser would submit them untouched
    (a name given more than once maps to a list)."""
    reader = _FormReader()
    reader.feed(page.content.decode() if hasattr(page, "content") else page)
    fields = next(form for form in reader.forms if any(name == having for name, _ in form))
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def saved_from_two_pages(client, url, *, first: dict, second: dict, having: str = "revision"):
    """Two pages of the form at ``url`` opened at the same moment: the first saves its changes ``first``, then
    the second its changes ``second`` and is refused with the edit conflict (asserted); the refused page,
    which holds both, is saved as it is shown. Returns the refused page. The opened pages' form is the one
    with a field ``having``."""
    one, other = form_on(client.get(url), having=having), form_on(client.get(url), having=having)
    client.post(url, one | first)
    refused = client.post(url, other | second)
    assert refused.status_code == 200 and "while you were editing" in refused.content.decode()
    client.post(url, form_on(refused, having="revision"))
    return refused


def refused_without_revision(client, url, *, first: dict, second: dict, having: str = "revision"):
    """Two pages of the form at ``url`` opened at the same moment: the first saves its changes ``first``, then
    the second sends its changes ``second`` with the page's hidden revision left out (a hand-made post, a page
    cut short). That one is refused on the page, under the error summary (asserted), so nothing it sent
    overwrites the first's changes. Returns the refused page."""
    one, other = form_on(client.get(url), having=having), form_on(client.get(url), having=having)
    client.post(url, one | first)
    del other["revision"]
    refused = client.post(url, other | second)
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    return refused
