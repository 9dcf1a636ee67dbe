"""The lawful bases of a disclosure, from data/lawful_bases.toml: UK GDPR Article 6 bases, Article 9 /
Schedule 1 conditions for special category data, and statutory gateways. Models keep the codes; pages
show the labels."""

import tomllib
from functools import cache
from pathlib import Path

BASES_PATH = Path(__file__).resolve().parent / "data" / "lawful_bases.toml"
KINDS = ("article6", "article9", "gateway")

# What a subject-access export relies on: the person's own right of access, a legal obligation.
SUBJECT_ACCESS = {"article6_basis": "6_1_c", "article9_condition": "", "gateway": "dpa_2018_s45"}


@cache
def _load() -> dict:
    with BASES_PATH.open("rb") as bases_file:
        return tomllib.load(bases_file)


def choices(kind: str) -> list[tuple[str, str]]:
    """The (code, label) pairs of one kind, in the file's order."""
    return [(entry["code"], entry["label"]) for entry in _load()[kind]]


def label(kind: str, code: str) -> str:
    """A code's label; an empty code reads as ``""`` and a code no longer in the file as itself."""
    return dict(choices(kind)).get(code, code) if code else ""


# Model fields take these callables as their choices, so the file stays the one source.
def article6_choices() -> list[tuple[str, str]]:
    return choices("article6")


def article9_choices() -> list[tuple[str, str]]:
    return choices("article9")


def gateway_choices() -> list[tuple[str, str]]:
    return choices("gateway")
