"""Every link in the seeded demo opens a page for the person it is shown to.

A link to an address that takes only a form's POST answers 405 to whoever follows it: the home page's
"Statements awaiting your sign-off" did that, so an approver could not reach the statement from it.
"""

import re
from html import unescape

import pytest

from svtoolkit.accounts.models import User
from tests.conftest import MODEL_BACKEND

pytestmark = pytest.mark.xdist_group("seeded_demo")

LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)')
# Files are opened by their own tests (tests/core/test_file_markings.py); signing out would end the walk.
NOT_WALKED = re.compile(r"/sign-out/|/static/|\.(pdf|csv|ics|json|geojson|zip)$|/download|/export")
# Each kind of page (its address with the numbers taken out) is opened at most this many times.
EACH_KIND = 2


def _kind(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _walk(client, start="/"):
    """Follow links from ``start`` (GET only, this site's pages only); the addresses that did not open, each
    with the page that linked to it."""
    opened, kinds, failed, to_open = set(), {}, [], [(start, None)]
    while to_open:
        path, linked_from = to_open.pop(0)
        if path in opened or kinds.get(_kind(path), 0) >= EACH_KIND or NOT_WALKED.search(path):
            continue
        opened.add(path)
        kinds[_kind(path)] = kinds.get(_kind(path), 0) + 1
        response = client.get(path, follow=True)
        if response.status_code >= 400:
            failed.append((path, response.status_code, linked_from))
        elif "text/html" in response.get("Content-Type", ""):
            to_open += [(unescape(href), path) for href in LINK.findall(response.content.decode())]
    return opened, failed


@pytest.mark.slow
@pytest.mark.parametrize("email", ["coordinator@example.org", "police@example.org"])
def test_every_link_a_member_is_shown_opens_a_page(seeded_demo, client, email):
    client.force_login(User.objects.get(email=email), backend=MODEL_BACKEND)

    opened, failed = _walk(client)

    assert len(opened) > 50  # the walk reached the incidents, their parts, the directory and the reports
    assert failed == [], failed
