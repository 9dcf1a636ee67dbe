"""The site's layout (``base.html``) around a page, checked byte for byte against a file written when it was
last changed on purpose (``layout_markup.txt`` beside this test): signed out, signed in with one partnership
and with several, with no partnership, with messages, on an exercise incident, and drawn with no request.

How the layout is drawn may change (its templates, the engine that draws them); what it draws may not, unless
on purpose. The security token and the one-time form key change with every page and are written as
placeholders, and so are the partnerships' ids. To accept a deliberate change, run this test with
``SVTOOLKIT_WRITE_LAYOUT_MARKUP=1`` and read the difference before committing it."""

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import messages
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils.safestring import mark_safe

from svtoolkit.accounts.models import Role
from svtoolkit.accounts.services import change_membership
from tests.factories import MembershipFactory, PartnershipFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = Path(__file__).with_name("layout_markup.txt")
MODEL_BACKEND = "svtoolkit.accounts.backends.PersonBackend"

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}'
    "{% block title %}A page{% endblock %}"
    '{% block extra_head %}<meta name="page" content="its own head">{% endblock %}'
    '{% block before_content %}<a href="/back/" class="govuk-back-link">Back</a>{% endblock %}'
    '{% block content %}<h1 class="govuk-heading-l">The page</h1>{% endblock %}'
    '{% block extra_scripts %}<script src="/static/js/page.js" defer></script>{% endblock %}'
)


def _placeholders(markup: str, partnerships) -> str:
    # Every form of a page carries the one token the page was given.
    assert len(set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', markup))) <= 1
    markup = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="TOKEN"', markup
    )
    markup = re.sub(
        r'name="submission_key" value="[0-9a-f]{32}"', 'name="submission_key" value="KEY"', markup
    )
    for partnership in partnerships:
        markup = markup.replace(f'value="{partnership.pk}"', f'value="ID OF {partnership.slug}"')
    return markup


def _request_of(client, url):
    """The request of a page as the middleware left it: the signed-in person, their partnership, the session
    and the security token."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.wsgi_request


def _drawn(request, **context) -> str:
    return PAGE.render(context, request)


@pytest.fixture
def partnerships():
    return [
        PartnershipFactory(name='St Mary\'s & "Northbridge" <CSP>', slug="northbridge"),
        PartnershipFactory(name="Southgate Community Safety Partnership", slug="southgate"),
    ]


def _signed_in(client, *memberships):
    user = UserFactory(full_name="Alex O'Neill")
    for partnership, role in memberships:
        MembershipFactory(user=user, partnership=partnership, role=role)
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def layouts(client, partnerships) -> dict[str, str]:
    northbridge, southgate = partnerships
    drawn = {}
    signed_out = _request_of(client, reverse("core:accessibility"))
    drawn["signed out"] = _drawn(signed_out)
    drawn["drawn with no request"] = PAGE.render({})

    one = _signed_in(client, (northbridge, Role.COORDINATOR))
    drawn["one partnership, a coordinator"] = _drawn(_request_of(one, reverse("core:accessibility")))
    drawn["one partnership, on a page of the navigation"] = _drawn(
        _request_of(one, reverse("incidents:list"))
    )
    drawn["on an exercise incident"] = _drawn(
        _request_of(one, reverse("core:accessibility")), incident=SimpleNamespace(is_exercise=True)
    )
    drawn["with the exercise banner asked for"] = _drawn(
        _request_of(one, reverse("core:accessibility")), show_exercise_banner=True
    )
    with_messages = _request_of(one, reverse("core:accessibility"))
    messages.success(with_messages, 'Alex\'s "update" was saved <b>& sent</b>.')
    messages.info(with_messages, mark_safe('Read <a class="govuk-link" href="/guide/">the guide</a>.'))
    messages.error(with_messages, "The action's plan <changed> & was not saved.")
    drawn["with messages"] = _drawn(with_messages)
    client.logout()

    several = _signed_in(client, (northbridge, Role.RESPONDER), (southgate, Role.VIEWER))
    drawn["several partnerships, on the account page with a query"] = _drawn(
        _request_of(several, reverse("accounts:account") + "?from=a&to='b'&say=\"<c>\"")
    )
    session = several.session
    session["svt_partnership_id"] = southgate.pk
    session.save()
    drawn["several partnerships, the second chosen"] = _drawn(
        _request_of(several, reverse("core:accessibility"))
    )
    client.logout()

    drawn["signed in, in no partnership"] = _drawn(
        _request_of(_signed_in(client), reverse("core:accessibility"))
    )
    return {case: _placeholders(markup, partnerships) for case, markup in drawn.items()}


def _as_text(drawn: dict[str, str]) -> str:
    return "".join(f"===== {case}\n{markup}\n" for case, markup in drawn.items())


def test_the_layout_draws_what_it_drew(client, partnerships):
    text = _as_text(layouts(client, partnerships))
    if os.environ.get("SVTOOLKIT_WRITE_LAYOUT_MARKUP") == "1":
        EXPECTED.write_text(text)
    assert text == EXPECTED.read_text()


def _header(client, url=None, **extra) -> str:
    response = client.get(url or reverse("core:accessibility"), **extra)
    assert response.status_code == 200
    return response.content.decode().split("<main", 1)[0]


def test_the_navigation_kept_follows_a_change_of_role_on_the_next_page(client, partnerships):
    """The navigation's links are drawn once for each set of links and page (core/templatetags/layout.py)."""
    northbridge, _ = partnerships
    coordinator = MembershipFactory(partnership=northbridge, role=Role.COORDINATOR)
    client = _signed_in(client, (northbridge, Role.RESPONDER))
    membership = client.get(reverse("core:accessibility")).wsgi_request.membership
    assert reverse("accounts:members") not in _header(client)

    change_membership(
        membership=membership,
        role=Role.COORDINATOR,
        organisation=membership.organisation,
        expected_revision=membership.revision,
        by=coordinator.user,
    )

    assert reverse("accounts:members") in _header(client)


def test_the_layout_s_addresses_follow_the_script_prefix_and_the_static_files_address(
    client, partnerships, settings
):
    northbridge, _ = partnerships
    client = _signed_in(client, (northbridge, Role.COORDINATOR))
    assert 'href="/incidents/"' in _header(client)

    accessibility, privacy = reverse("core:accessibility"), reverse("core:privacy")
    set_script_prefix("/toolkit/")  # as the WSGI handler does for a request under that path
    try:
        served_under = _header(client, accessibility)
        footer = client.get(privacy).content.decode().split("</main>", 1)[1]
    finally:
        set_script_prefix("/")
    assert 'href="/toolkit/incidents/"' in served_under and 'action="/toolkit/sign-out/"' in served_under
    assert 'href="/toolkit/accessibility/"' in footer
    assert 'href="/incidents/"' in _header(client)

    settings.STATIC_URL = "https://static.example.org/svt/"
    page = client.get(reverse("core:accessibility")).content.decode()
    assert 'href="https://static.example.org/svt/css/app.css"' in page
    assert 'src="https://static.example.org/svt/js/app.js"' in page


def test_in_development_the_parts_are_drawn_afresh_so_a_changed_template_shows(
    client, partnerships, settings
):
    from svtoolkit.core.templatetags import layout

    northbridge, _ = partnerships
    client = _signed_in(client, (northbridge, Role.COORDINATOR))
    settings.DEBUG = True
    assert 'href="/incidents/"' in _header(client)
    assert layout._navigation_links.cache_info().currsize == layout._unchanging.cache_info().currsize == 0
