"""What a signed-in person's home page shows: what needs their attention in their current partnership.

Core knows nothing of the domains above it, so each app registers its own home-page section here
(in its AppConfig.ready); a section is a template and a function giving its context, or None to hide it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeSection:
    template_name: str
    context: Callable[..., dict | None]
    order: int
    # Shown to someone with no partnership too (regional staff): its context is given partnership=None.
    without_partnership: bool = False


_home_sections: list[HomeSection] = []


def register_home_section(
    *, template_name: str, context: Callable[..., dict | None], order: int, without_partnership: bool = False
) -> None:
    if any(section.template_name == template_name for section in _home_sections):
        return
    _home_sections.append(HomeSection(template_name, context, order, without_partnership))
    _home_sections.sort(key=lambda section: section.order)


def home_sections(*, user, partnership) -> list[tuple[str, dict]]:
    """The sections this person should see now, in order, each with its context."""
    shown = []
    for section in _home_sections:
        if partnership is None and not section.without_partnership:
            continue
        context = section.context(user=user, partnership=partnership)
        if context is not None:
            shown.append((section.template_name, context))
    return shown
