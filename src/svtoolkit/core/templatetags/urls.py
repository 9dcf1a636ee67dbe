"""``{% url %}`` as Django's, remembering the addresses it has reversed (a builtin of every template).

Every page reverses the same addresses on every request: the layout's links (19 on an empty page, a fifth of
the layout's own time) and an incident's sections and actions (about 60 on its page). Django walks the URL
patterns each time, yet while the process runs the patterns never change, so an address depends only on what
the key holds: the URL configuration, the script prefix, the view name, its arguments and the current
namespace. Only arguments that are plain ints and strings are remembered, so the key is exactly what
``reverse`` reads; anything else (a model instance, a lazy string) is reversed as Django does.
"""

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Enough for the links of the pages a worker serves; each entry is a short string.
REMEMBERED_ADDRESSES = 4096


@functools.lru_cache(maxsize=REMEMBERED_ADDRESSES)
def _remembered(urlconf, script_prefix, view_name, args, kwargs, current_app) -> str:
    # script_prefix is only in the key: reverse() reads the same prefix from this thread.
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def _plain(value) -> bool:
    return type(value) is int or isinstance(value, str)


def address(view_name, args, kwargs, current_app) -> str:
    """What ``reverse`` gives for the view name, arguments and namespace: from memory when it can be."""
    if not (isinstance(view_name, str) and all(map(_plain, args)) and all(map(_plain, kwargs.values()))):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _remembered(
        urlconf, get_script_prefix(), view_name, tuple(args), tuple(sorted(kwargs.items())), current_app
    )


@receiver(setting_changed, dispatch_uid="svtoolkit-remembered-urls")
def _forget_addresses(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _remembered.cache_clear()


class RememberedURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:  # as Django's tag finds it
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        try:
            url = address(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}``, written and behaving the same (``as`` included)."""
    node = django_url_tag(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
