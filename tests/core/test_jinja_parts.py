"""The one environment that draws as Django's engine would (core/jinja_parts.py), for form fields, the layout
and the parts: each value is shown as ``{{ value }}`` shows it in Django's engine, and every name the fields,
the layout and the parts call on is there."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st

from svtoolkit.core import jinja_parts

TRICKY = 'O\'Brien & <b>"Sons"</b>'


def django_shows(value) -> str:
    return engines["django"].from_string("{{ value }}").render({"value": value})


def parts_show(value) -> str:
    return jinja_parts.environment().from_string("{{ value }}").render(value=value)


@pytest.mark.parametrize(
    "value",
    [
        TRICKY,
        mark_safe("<b>kept</b>"),
        gettext_lazy("Partner's role"),
        1234567,
        -3,
        3.25,
        Decimal("1234.50"),
        True,
        None,
        [TRICKY, 1],
        date(2026, 7, 1),
        datetime(2026, 7, 1, 23, 30, tzinfo=UTC),  # a moment, shown in the site's zone
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        datetime(2026, 7, 1, 23, 30),  # naive: as it is
        Message(constants.SUCCESS, TRICKY),
        Message(constants.SUCCESS, mark_safe("<b>Saved</b>")),  # a message whose text is safe, as it is
    ],
    ids=repr,
)
@pytest.mark.parametrize("thousands", [False, True], ids=["plain numbers", "thousands separated"])
def test_a_value_is_shown_as_django_s_engine_shows_it(value, thousands, settings):
    settings.USE_THOUSAND_SEPARATOR = thousands
    assert parts_show(value) == django_shows(value)


@given(st.text())
def test_any_text_is_escaped_as_django_s_engine_escapes_it(text):
    assert parts_show(text) == django_shows(text)


def test_the_one_environment_gives_what_fields_the_layout_and_the_parts_call_on():
    def drawn(source: str) -> str:
        return jinja_parts.environment().from_string(source).render()

    assert (
        drawn("{{ url('core:home') }}|{{ static('css/app.css') }}")
        == f"{reverse('core:home')}|/static/css/app.css"
    )
    assert drawn("{{ 1234.5|floatformat('0g') }}") == "1,235"
    assert drawn("{{ submission_key() }}").startswith('<input type="hidden" name="submission_key" value="')
    assert drawn("{{ error_summary_box('<p>x</p>') }}").startswith('<div class="govuk-error-summary"')
    region = '<div class="svt-table-scroll" role="region" aria-label="Actions" tabindex="0">'
    assert drawn("{% call table_region('Actions') %}<table></table>{% endcall %}") == (
        f"{region}<table></table></div>\n"
    )


def test_a_value_given_to_a_template_is_read_before_the_environment_s_name():
    drawn = jinja_parts.environment().from_string("{{ url('core:home') }}")
    assert drawn.render(url={"core:home": "/the-page-s-own/"}.__getitem__) == "/the-page-s-own/"
