"""Sections that apps above this one add to the partnership's own pages (an information-sharing agreement's
files, say), registered in their AppConfig.ready: partnerships sits low and imports none of them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AgreementSection:
    template_name: str
    # context(agreement, *, user, partnership): the section's context (the template sees it as ``section``).
    context: Callable[..., dict]


_agreement_sections: list[AgreementSection] = []


def register_agreement_section(*, template_name: str, context: Callable[..., dict]) -> None:
    if all(section.template_name != template_name for section in _agreement_sections):
        _agreement_sections.append(AgreementSection(template_name, context))


def agreement_sections(agreement, *, user, partnership) -> list[tuple[str, dict]]:
    """The sections an agreement's page shows this person (who may already read the agreement)."""
    return [
        (section.template_name, section.context(agreement, user=user, partnership=partnership))
        for section in _agreement_sections
    ]
