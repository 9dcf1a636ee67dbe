"""A difference between two texts, word by word, for pages that show a proposed change before it is made."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "removed" or "added"
    text: str


def word_difference(before: str, after: str) -> list[Piece]:
    """``after`` against ``before``, as runs of words kept, removed and added (difflib), in reading order."""
    old, new = before.split(), after.split()
    pieces = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", " ".join(new[j1:j2])))
    return pieces
