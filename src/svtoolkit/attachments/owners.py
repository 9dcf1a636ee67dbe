"""The kinds of record that take files. Each app that owns one registers it in its AppConfig.ready, saying how
to find a record of it for a request (answering 404/403 as the access rules say), who may attach files to it,
and its page; this app then needs to know nothing of incidents, meetings or reviews."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OwnerKind:
    name: str  # in the upload URL: incident, meeting, review
    model: type
    # fetch(request, owner_id): the record if this person may see it, else Http404/Refused (audited).
    fetch: Callable
    # may_attach(user, partnership, owner): whether this person may add files to it now.
    may_attach: Callable
    page_url: Callable  # page_url(owner): where its files are listed
    label: Callable  # label(owner): how it is named on the upload page ("NB-2026-0001", "the meeting on ...")


_kinds: dict[str, OwnerKind] = {}


def register_owner(kind: OwnerKind) -> None:
    _kinds[kind.name] = kind


def kind_named(name: str) -> OwnerKind | None:
    return _kinds.get(name)


def kind_of_model(model) -> OwnerKind | None:
    return next((kind for kind in _kinds.values() if kind.model is model), None)
