"""``|date`` remembers what it has formatted (core/templatetags/dates.py), in Django's engine and in the rows
Jinja2 draws (core/jinja_rows.py), and shows every moment exactly as Django's own filter does, whatever the
moment, its zone, the site's zone, the language or the format."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template, engines
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from svtoolkit.core.templatetags import dates

FORMATS = ["j M Y H:i", "j M H:i", "c", "D j F Y, g:i a", "H:i T", "l jS F", "r", "U", "e O"]
ZONES = ["Europe/London", "UTC", "America/New_York", "Asia/Kolkata"]


def shown(moment, format_string) -> str:
    return Template("{{ moment|date:format_string }}").render(
        Context({"moment": moment, "format_string": format_string})
    )


def drawn(moments, format_string) -> list[str]:
    """The moments as one drawing of Jinja2 rows shows them."""
    rows = engines["jinja2"].from_string(
        "{% for moment in moments %}{{ moment|date(format_string) }}|{% endfor %}"
    )
    return rows.render({"moments": moments, "format_string": format_string}).split("|")[:-1]


def shown_by_both(moment, format_string) -> str:
    """What Django's engine shows, after checking that the rows show the same, alone and beside others."""
    django_s = shown(moment, format_string)
    assert drawn([moment], format_string) == [django_s]
    return django_s


@settings(max_examples=300)
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2060, 12, 31),
        timezones=st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
    ),
    site_zone=st.sampled_from(ZONES),
    format_string=st.sampled_from(FORMATS),
    language=st.sampled_from(["en-gb", "fr", "de"]),
)
def test_a_moment_is_shown_as_django_s_filter_shows_it(moment, site_zone, format_string, language):
    with timezone.override(site_zone), translation.override(language):
        expected = django_date(timezone.template_localtime(moment), format_string)
        assert shown(moment, format_string) == expected
        assert shown(moment, format_string) == expected  # and again, now from memory
        assert drawn([moment, moment], format_string) == [expected, expected]


def test_the_same_moment_in_two_zones_is_not_confused():
    moment = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/London"):
        assert shown_by_both(moment, "j M H:i") == "2 Jul 00:30"
    with timezone.override("UTC"):
        assert shown_by_both(moment, "j M H:i") == "1 Jul 23:30"


def test_a_moment_in_another_zone_is_shown_in_the_current_one():
    in_new_york = datetime(2026, 7, 1, 19, 30, tzinfo=ZoneInfo("America/New_York"))
    with timezone.override("Europe/London"):
        assert shown_by_both(in_new_york, "j M H:i T") == "2 Jul 00:30 BST"
        # the same instant, remembered from UTC, reads the same
        assert drawn([in_new_york.astimezone(UTC), in_new_york], "j M H:i T") == ["2 Jul 00:30 BST"] * 2
    in_london = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("Europe/London"))
    with timezone.override("Asia/Kolkata"):
        assert shown_by_both(in_london, "j M Y H:i T") == "1 Jan 2027 05:00 IST"


def test_the_two_half_past_ones_of_the_night_the_clocks_go_back_are_not_confused():
    # 00:30 and 01:30 UTC on 25 October 2026 are both 01:30 in London (British Summer Time, then GMT). Within
    # one zone Python compares and hashes them as equal; the second shown must not be the first remembered.
    first, second = (datetime(2026, 10, 25, hour, 30, tzinfo=UTC) for hour in (0, 1))
    with timezone.override("Europe/London"):
        assert shown_by_both(first, "c U") == "2026-10-25T01:30:00+01:00 1792888200"
        assert shown_by_both(second, "c U") == "2026-10-25T01:30:00+00:00 1792891800"
        # already in London's zone, the two differ only in their fold
        in_london = [moment.astimezone(ZoneInfo("Europe/London")) for moment in (first, second)]
        assert [moment.fold for moment in in_london] == [0, 1]
        assert in_london[0] == in_london[1]
        expected = ["2026-10-25T01:30:00+01:00 1792888200", "2026-10-25T01:30:00+00:00 1792891800"]
        assert [shown(moment, "c U") for moment in in_london] == expected
        assert drawn([*in_london, first, second], "c U") == expected * 2


@override_settings(USE_TZ=False)
def test_a_moment_without_a_zone_is_shown_in_the_zone_of_the_settings_of_the_time():
    moment = datetime(2026, 1, 15, 12, 0)
    with override_settings(TIME_ZONE="Europe/London"):
        assert shown_by_both(moment, "T O") == "GMT +0000"
    with override_settings(TIME_ZONE="America/New_York"):
        assert shown_by_both(moment, "T O") == "EST -0500"


def test_a_moment_without_a_zone_is_shown_as_it_reads():
    moment = datetime(2026, 7, 1, 23, 30)
    with timezone.override("Asia/Kolkata"):
        assert shown_by_both(moment, "j M H:i T") == "1 Jul 23:30 BST"


def test_a_change_of_the_site_s_zone_is_shown_at_once():
    moment = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert shown_by_both(moment, "j M H:i T") == "2 Jul 00:30 BST"
    with override_settings(TIME_ZONE="America/New_York"):
        assert shown_by_both(moment, "j M H:i T") == "1 Jul 19:30 EDT"
    assert shown_by_both(moment, "j M H:i T") == "2 Jul 00:30 BST"


def test_a_change_of_language_is_shown_at_once():
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert shown_by_both(moment, "l j F") == "Wednesday 1 July"
    with translation.override("fr"):
        assert shown_by_both(moment, "l j F") == "mercredi 1 juillet"
    assert shown_by_both(moment, "l j F") == "Wednesday 1 July"


def test_rows_read_the_current_zone_and_language_once_for_all_their_moments():
    moments = [datetime(2026, 7, 1, tzinfo=UTC) + timedelta(minutes=minutes) for minutes in range(50)]
    drawn(moments, "j M Y H:i")  # remembered
    with (
        mock.patch.object(timezone, "get_current_timezone", wraps=timezone.get_current_timezone) as zone,
        mock.patch.object(translation, "get_language", wraps=translation.get_language) as language,
    ):
        assert drawn(moments, "j M Y H:i")[:2] == ["1 Jul 2026 01:00", "1 Jul 2026 01:01"]
    assert (zone.call_count, language.call_count) == (1, 1)


def test_a_moment_shown_twice_is_formatted_once():
    moment = timezone.now() - timedelta(days=3, microseconds=123)
    dates._formatted.cache_clear()
    shown(moment, "j M Y H:i")
    shown(moment, "j M Y H:i")
    assert dates._formatted.cache_info().hits == 1
    assert dates._formatted.cache_info().misses == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [(date(2026, 11, 29), "29 Nov 2026"), (None, ""), ("", ""), ("not a moment", "")],
    ids=["a day", "None", "empty text", "text"],
)
def test_days_empty_values_and_text_are_left_to_django(value, expected):
    assert shown_by_both(value, "j M Y") == expected
