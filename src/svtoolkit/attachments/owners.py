"""The kinds of record that take files. Each app that owns one registers it in its AppConfig.ready, saying
where a record of it is found for a request, the access rule for attaching files to it, and its page; this
app then needs to know nothing of incidents, meetings or reviews."""

from collections.abc import Callable
from dataclasses import dataclass

from svtoolkit import access


@dataclass(frozen=True)
class OwnerKind:
    name: str  # in the upload URL: incident, meeting, review
    model: type
    # found_in(request): where a record of this kind is looked for, as ``access.get_for`` takes it (the model
    # Incident, or a queryset narrowed to what this person may see).
    found_in: Callable
    # attach_rule(user, partnership, checked): the object rule for adding files, from ``access``.
    attach_rule: access.Rule
    page_url: Callable  # page_url(owner): where its files are listed
    label: Callable  # label(owner): how it is named on the upload page ("NB-2026-0001", "the meeting on ...")
    # checked_against(owner): what ``attach_rule`` is checked against, if not the record (its incident).
    checked_against: Callable | None = None
    # refuse_if_closed(owner): raises DomainError if the record was closed since its page found it open;
    # called in the transaction that keeps a file, since an upload and its scan take a while.
    refuse_if_closed: Callable | None = None
    # is_exercise(owner): whether the record is an exercise's (its incident is one), for a kind that can be.
    is_exercise: Callable | None = None

    def fetch(self, request, owner_id, *, to_attach: bool = False):
        """The record if this person may see it (and, ``to_attach``, add files to it): else 404, or 403
        audited with the rule's name."""
        return access.get_for(
            request,
            self.found_in(request),
            owner_id,
            rule=self.attach_rule if to_attach else None,
            about=self.checked_against,
        )

    def _checked(self, owner):
        return owner if self.checked_against is None else self.checked_against(owner)

    def may_attach(self, user, partnership, owner) -> bool:
        return self.attach_rule(user, partnership, self._checked(owner))

    def of_exercise(self, owner) -> bool:
        """Whether ``owner``'s files are an exercise's: their names then say EXERCISE when downloaded."""
        return self.is_exercise is not None and self.is_exercise(owner)

    def partnership_of(self, owner):
        """The partnership whose record ``owner`` is (for a part of an incident, its incident's): an incident
        shared with other partnerships, and its files, stay the partnership's that leads on it."""
        return self._checked(owner).partnership


_kinds: dict[str, OwnerKind] = {}


def register_owner(kind: OwnerKind) -> None:
    _kinds[kind.name] = kind


def kind_named(name: str) -> OwnerKind | None:
    return _kinds.get(name)


def kind_of_model(model) -> OwnerKind | None:
    return next((kind for kind in _kinds.values() if kind.model is model), None)
