"""``{% url %}`` remembers the addresses it has reversed (core/templatetags/urls.py), and every address it
gives is the one Django's ``reverse`` gives, whatever the page, arguments, prefix or URL configuration."""

import uuid

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from hypothesis import given, settings
from hypothesis import strategies as st

from svtoolkit.core.templatetags import urls as remembered_urls


def named_patterns(resolver=None, namespace=""):
    """Every named address of the project, with the converters of its arguments by name."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, converters in named_patterns(entry, inner):
                yield name, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(entry.pattern.converters)


def example(converter, number):
    if isinstance(converter, IntConverter):
        return number
    if isinstance(converter, UUIDConverter):
        return str(uuid.UUID(int=number))
    if isinstance(converter, SlugConverter):
        return f"a-slug-{number}"
    if isinstance(converter, PathConverter):
        return f"a/path/{number}"
    return f"text{number}"


def tag_address(view_name, **kwargs) -> str:
    arguments = " ".join(f"{name}={name}" for name in kwargs)
    return Template(f"{{% url view_name {arguments} %}}").render(Context({"view_name": view_name, **kwargs}))


PATTERNS = sorted(named_patterns())


def test_the_project_has_addresses_of_every_kind_to_check():
    assert len(PATTERNS) > 200
    assert any(converters for _, converters in PATTERNS) and any(not c for _, c in PATTERNS)


# Each example reverses every address of the project twice: on a busy machine one example can take longer than
# hypothesis's default deadline of 200 ms, which would fail the test for the machine, not the code.
@settings(max_examples=20)
@given(number=st.integers(min_value=1, max_value=2**31))
def test_every_address_is_the_one_django_reverses_first_time_and_from_memory(number):
    for view_name, converters in PATTERNS:
        kwargs = {name: example(converter, number) for name, converter in converters.items()}
        try:
            expected = reverse(view_name, kwargs=kwargs)
        except NoReverseMatch:  # a pattern written as a regular expression (the admin's)
            with pytest.raises(NoReverseMatch):
                tag_address(view_name, **kwargs)
            continue
        assert tag_address(view_name, **kwargs) == expected, view_name
        assert tag_address(view_name, **kwargs) == expected, view_name


def test_an_address_once_reversed_is_not_reversed_again(monkeypatch):
    calls = []
    monkeypatch.setattr(remembered_urls, "reverse", lambda *a, **k: calls.append(a) or reverse(*a, **k))
    remembered_urls._remembered.cache_clear()
    links = '{% url "incidents:list" %} {% url "incidents:incident" 7 %} {% url "incidents:incident" 8 %}'
    page = Template(links)
    addresses = [reverse("incidents:list"), *(reverse("incidents:incident", args=[pk]) for pk in (7, 8))]

    first, second = page.render(Context()), page.render(Context())

    assert first.split() == second.split() == addresses
    assert len(calls) == 3


def test_a_script_prefix_gives_its_own_addresses():
    page = Template('{% url "incidents:list" %}')
    plain = page.render(Context())
    set_script_prefix("/svtoolkit/")
    try:
        prefixed = page.render(Context())
    finally:
        set_script_prefix("/")

    assert prefixed == "/svtoolkit" + plain
    assert page.render(Context()) == plain


def test_another_url_configuration_gives_its_own_addresses():
    page = Template('{% url "bench_bare" as bare %}[{{ bare }}]')
    assert page.render(Context()) == "[]"

    with override_settings(ROOT_URLCONF="svtoolkit.bench.urls"):
        assert page.render(Context()) == "[/bench/bare/]"

    assert page.render(Context()) == "[]"


def test_an_unknown_page_fails_as_with_djangos_tag_unless_kept_in_a_variable():
    with pytest.raises(NoReverseMatch):
        Template('{% url "no-such-page" %}').render(Context())
    assert Template('{% url "no-such-page" as missing %}[{{ missing }}]').render(Context()) == "[]"


def test_an_argument_that_is_not_a_plain_value_is_reversed_each_time_and_never_remembered():
    class Seven:
        def __str__(self):
            return "7"

    remembered_urls._remembered.cache_clear()

    assert tag_address("incidents:incident", incident_id=Seven()) == reverse("incidents:incident", args=[7])
    assert remembered_urls._remembered.cache_info().currsize == 0


def test_an_address_is_escaped_in_the_page():
    page = Template('<a href="{% url "search:results" %}?q={{ q|urlencode }}">')
    assert page.render(Context({"q": "a&b"})) == f'<a href="{reverse("search:results")}?q=a%26b">'
