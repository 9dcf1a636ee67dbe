"""The parts of every page's layout (``base.html``) around the page's own blocks, drawn by Jinja2.

Every page pays for its layout: through Django's engine, the header (the service navigation, the account and
sign-out links, the partnership bar with its switch and search forms, the protective marking), the messages'
include, the footer and the static files' addresses cost about 0.47 ms a page, a tenth of the mixed load's
average request. Here the header and the messages are drawn by one compiled Jinja2 template each, and the
parts that never vary while the process runs (the links in ``<head>``, the footer and the scripts) are drawn
once and kept. ``base.html`` keeps the blocks pages fill, and places the parts with ``{% head_links %}``,
``{% page_header %}``, ``{% page_messages %}`` and ``{% page_footer %}`` (docs/decisions/0024).

The markup is what Django's engine drew, byte for byte: the parts are drawn by the environment that escapes as
Django's engine escapes (core/jinja_parts.py: ``&#x27;`` for an apostrophe, where Jinja2's own escaping
writes ``&#39;``), and each value is read from the page's context as Django's engine read it, a name the page
does not have being empty. The parts' templates end without a line break, as the layout places them.
"""

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf

from svtoolkit.core import jinja_parts
from svtoolkit.core.templatetags.urls import address

register = template.Library()
_CSRF_TOKEN = CsrfTokenNode()


_WHERE = "svtoolkit.layout.where"


def _where(context) -> tuple:
    """The URL configuration and script prefix the page's addresses are reversed in, the key of every part
    kept here: read once a page (each is a few microseconds, through asgiref's context-local storage)."""
    kept = context.render_context
    where = kept.get(_WHERE)
    if where is None:
        where = kept[_WHERE] = (get_urlconf(), get_script_prefix())
    return where


class _Addresses(dict):
    """The addresses of views without arguments, as ``{% url %}`` gives them, each reversed once. Reversed
    with no current application: no ``include()`` names an instance namespace, so ``{% url %}``'s use of
    the request's gives the same; one that did would need it in the key."""

    def __missing__(self, view_name: str) -> str:
        self[view_name] = found = address(view_name, [], {}, None)
        return found


@functools.lru_cache(maxsize=16)
def _addresses(urlconf, script_prefix) -> _Addresses:
    return _Addresses()


def header(context) -> str:
    """The header for the page's context: the values the layout's context processor
    (core.context_processors.service) and Django's give every page drawn with its request."""
    where = _where(context)
    signed_in = getattr(context.get("user"), "is_authenticated", False)
    navigation_links = ""
    if signed_in:
        navigation = tuple(context.get("navigation", ()))
        navigation_links = _kept(_navigation_links)(navigation, context.get("current_url_name", ""), *where)
    return jinja_parts.draw(
        "core/layout/header.html",
        {
            # The page's addresses, each reversed once: read before the environment's url().
            "url": _addresses(*where).__getitem__,
            "service_name": context.get("service_name", ""),
            "signed_in": signed_in,
            "navigation_links": navigation_links,
            # The page's one security token (as {% csrf_token %} writes it), asked for only by a form drawn.
            "csrf_input": functools.partial(_CSRF_TOKEN.render, context),
            "current_partnership": context.get("current_partnership"),
            "current_membership": context.get("current_membership"),
            "my_memberships": context.get("my_memberships", ()),
            "request": context.get("request"),
            "protective_marking": context.get("protective_marking", ""),
        },
    )


@functools.lru_cache(maxsize=1024)
def _navigation_links(navigation: tuple, current_url_name: str, urlconf, script_prefix) -> str:
    """The navigation's links: the same for everyone shown the same links on the same page. A few sets of
    links (each role is shown its own) on each page: a few hundred short strings at most."""
    return jinja_parts.draw(
        "core/layout/navigation.html",
        {
            "url": _addresses(urlconf, script_prefix).__getitem__,
            "navigation": navigation,
            "current_url_name": current_url_name,
        },
    )


def messages(context) -> str:
    """The page's messages, each shown once (reading them takes them out of the session). Like Django's
    ``{% for %}``, nothing is read from them but their number when there are none."""
    shown = context.get("messages", ())
    if not shown:
        return ""
    return jinja_parts.draw("core/layout/messages.html", {"messages": shown})


def head_links(context) -> str:
    """The links in ``<head>``: the same on every page while the process runs."""
    return _kept(_unchanging)("core/layout/head.html", *_where(context))


def footer(context) -> str:
    """The footer and the scripts: the same on every page while the process runs."""
    return _kept(_unchanging)("core/layout/footer.html", *_where(context))


@functools.lru_cache(maxsize=64)
def _unchanging(template_name: str, urlconf, script_prefix) -> str:
    # Its addresses depend on the URL configuration and the script prefix (the key), and on settings.
    return jinja_parts.draw(template_name, {"url": _addresses(urlconf, script_prefix).__getitem__})


def _kept(part):
    """The part as kept, or in development (DEBUG) drawn afresh, so that a changed template shows on the next
    page as Jinja2's ``auto_reload`` shows the others."""
    return part.__wrapped__ if settings.DEBUG else part


@receiver(setting_changed, dispatch_uid="svtoolkit-layout-parts")
def _forget_kept_parts(**kwargs):
    """Settings change only in tests; the static files' and the views' addresses may change with them."""
    for kept in (_addresses, _navigation_links, _unchanging):
        kept.cache_clear()


class _Part(template.Node):
    def __init__(self, draw):
        self.draw = draw

    def render(self, context):
        return self.draw(context)


def _part(name, draw):
    def compile_part(parser, token):
        if len(token.split_contents()) != 1:
            raise template.TemplateSyntaxError(f"{name} takes no argument")
        return _Part(draw)

    register.tag(name, compile_part)


_part("head_links", head_links)
_part("page_header", header)
_part("page_messages", messages)
_part("page_footer", footer)
