"""What the incident pages offer a person, decided by the rules in svtoolkit.access."""

from django import template

from svtoolkit import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_update_action(context, action) -> bool:
    """True when the Update link of ``action`` (of the page's ``incident``) would not lead to a refusal."""
    request = context["request"]
    return access.can_update_action_now(request.user, request.partnership, context["incident"], action)
