"""``{% submission_key %}``: the hidden one-time key every posting form carries (see core.submissions)."""

import secrets

from django import template
from django.utils.html import format_html

from svtoolkit.core.submissions import FIELD

register = template.Library()


@register.simple_tag
def submission_key():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, secrets.token_hex(16))
