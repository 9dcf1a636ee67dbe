"""``{% submission_key %}``: the hidden one-time key every posting form carries (see core.submissions)."""

import secrets

from django import template
from django.utils.safestring import mark_safe

from svtoolkit.core.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_key():
    # The field's name and a key of hex digits: nothing to escape (format_html's escaping was half its cost).
    return mark_safe(f'<input type="hidden" name="{FIELD}" value="{secrets.token_hex(16)}">')
