"""Rows drawn by Jinja2 inside pages of Django's engine (core/jinja_rows.py, ``{% rows %}``): they escape what
they show, show moments in the site's time zone as Django's engine does, give the same addresses, and fail
loudly on a name they were not given."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template, VariableDoesNotExist, engines
from django.test import RequestFactory
from django.urls import reverse
from jinja2 import UndefinedError

from tests.factories import TimelineEntryFactory, UserFactory


def jinja(source: str, **values) -> str:
    return engines["jinja2"].from_string(source).render(values)


def test_a_name_the_row_was_not_given_is_an_error_not_an_empty_cell():
    with pytest.raises(UndefinedError):
        jinja("<td>{{ action.title }}</td>")


def test_what_a_row_shows_is_escaped():
    assert jinja("<td>{{ title }}</td>", title="<script>alert(1)</script>") == (
        "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"
    )


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 7, 1, 23, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 30, tzinfo=UTC)],
    ids=["summer time", "winter"],
)
@pytest.mark.parametrize("format_string", ["j M H:i", "j M Y H:i", "c"])
def test_a_moment_is_shown_in_the_site_s_time_zone_as_django_s_engine_shows_it(moment, format_string):
    django_s = Template(f'{{{{ at|date:"{format_string}" }}}}').render(Context({"at": moment}))
    assert jinja(f'{{{{ at|date("{format_string}") }}}}', at=moment) == django_s


def test_summer_time_moves_the_day_on():
    at = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert jinja('{{ at|date("j M Y H:i") }}', at=at) == "2 Jul 2026 00:30"


def test_an_address_is_the_one_django_reverses():
    assert jinja("{{ url('incidents:action', 7, 12) }}") == reverse("incidents:action", args=[7, 12])


@pytest.mark.django_db
def test_the_rows_tag_draws_the_named_rows_in_a_page_of_django_s_engine():
    entry = TimelineEntryFactory(by=UserFactory(full_name="Sam <Duty> Officer"), text="Patrols & checks")
    page = Template('{% load rows %}<div>{% rows "incidents/timeline_items.html" entries=entries %}</div>')
    html = page.render(Context({"entries": [entry], "request": RequestFactory().get("/")}))
    assert html.startswith('<div>\n<div class="moj-timeline__item">')
    assert "by Sam &lt;Duty&gt; Officer" in html
    assert "Patrols &amp; checks" in html
    assert html.count("moj-timeline__item") == 1


@pytest.mark.django_db
def test_an_entry_made_by_svtoolkit_itself_is_shown_as_by_svtoolkit():
    entry = TimelineEntryFactory(by=None)
    html = Template('{% load rows %}{% rows "incidents/timeline_items.html" entries=entries %}').render(
        Context({"entries": [entry]})
    )
    assert "by svtoolkit" in html


def test_a_value_the_page_does_not_have_is_an_error_not_an_empty_string():
    page = Template('{% load rows %}{% rows "incidents/timeline_items.html" entries=entries %}')
    with pytest.raises(VariableDoesNotExist):
        page.render(Context({}))
