"""The suggestion behind a categorisation, from the factors in data/categorisation.toml."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_PATH = Path(__file__).resolve().parent / "data" / "categorisation.toml"


@cache
def rules() -> dict:
    with RULES_PATH.open("rb") as rules_file:
        return tomllib.load(rules_file)


def factor_choices() -> list[tuple[str, str, str]]:
    """(code, label, hint) for each impact factor, in the order the data file gives them."""
    return [(code, factor["label"], factor.get("hint", "")) for code, factor in rules()["factors"].items()]


@dataclass(frozen=True)
class Suggestion:
    serious_violence: bool
    meeting: bool
    cross_borough: bool
    score: int


def declared_labels(declared: set[str]) -> list[str]:
    """What the police declared that counts towards the suggestion, in words, in the data file's order."""
    return [fact["label"] for code, fact in rules().get("declared", {}).items() if code in declared]


def suggest(present: set[str], declared: set[str] = frozenset()) -> Suggestion:
    """What the factors ticked, and what the police declared (``police:`` facts), suggest. Unknown codes are
    ignored."""
    factors = rules()["factors"]
    score = sum(factors[code]["weight"] for code in present if code in factors) + sum(
        fact["weight"] for code, fact in rules().get("declared", {}).items() if code in declared
    )
    return Suggestion(
        serious_violence=score >= rules()["serious_violence_at"],
        meeting=score >= rules()["meeting_at"],
        cross_borough=any(factors[code].get("suggests_cross_borough") for code in present if code in factors),
        score=score,
    )
