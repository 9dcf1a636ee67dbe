"""``|date`` remembers what it has formatted (core/templatetags/dates.py) and shows every moment exactly as
Django's own filter does, whatever the moment, its zone, the site's zone, the language or the format."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.template import Context, Template
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


def test_the_same_moment_in_two_zones_is_not_confused():
    moment = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    with timezone.override("Europe/London"):
        assert shown(moment, "j M H:i") == "2 Jul 00:30"
    with timezone.override("UTC"):
        assert shown(moment, "j M H:i") == "1 Jul 23:30"


def test_the_two_half_past_ones_of_the_night_the_clocks_go_back_are_not_confused():
    # 00:30 and 01:30 UTC on 25 October 2026 are both 01:30 in London (British Summer Time, then GMT). Within
    # one zone Python compares and hashes them as equal; the second shown must not be the first remembered.
    first, second = (datetime(2026, 10, 25, hour, 30, tzinfo=UTC) for hour in (0, 1))
    with timezone.override("Europe/London"):
        assert shown(first, "c U") == "2026-10-25T01:30:00+01:00 1792888200"
        assert shown(second, "c U") == "2026-10-25T01:30:00+00:00 1792891800"


@override_settings(USE_TZ=False)
def test_a_moment_without_a_zone_is_shown_in_the_zone_of_the_settings_of_the_time():
    moment = datetime(2026, 1, 15, 12, 0)
    with override_settings(TIME_ZONE="Europe/London"):
        assert shown(moment, "T O") == "GMT +0000"
    with override_settings(TIME_ZONE="America/New_York"):
        assert shown(moment, "T O") == "EST -0500"


def test_a_moment_shown_twice_is_formatted_once():
    moment = timezone.now() - timedelta(days=3, microseconds=123)
    dates._formatted.cache_clear()
    shown(moment, "j M Y H:i")
    shown(moment, "j M Y H:i")
    assert dates._formatted.cache_info().hits == 1
    assert dates._formatted.cache_info().misses == 1


def test_days_empty_values_and_text_are_left_to_django():
    assert shown(date(2026, 11, 29), "j M Y") == "29 Nov 2026"
    assert shown(None, "j M Y") == ""
    assert shown("", "j M Y") == ""
    assert shown("not a moment", "j M Y") == ""
