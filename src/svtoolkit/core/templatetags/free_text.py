"""Text people typed, as a page or PDF shows it within its time budget."""

import re

from django import template

register = template.Library()

# WeasyPrint lays out each line on its own (about a millisecond a line): 2,500 one-letter lines in a summary
# took seconds. Up to this many line breaks are kept as typed; past it they show as " / ", and the text flows.
MOST_LINE_BREAKS = 100
# Wrapping a word wider than the page letter by letter cost a second for 5,000 letters; an invisible break
# every so many letters costs nothing.
LONGEST_WORD = 60
_LONG_WORD = re.compile(rf"\S{{{LONGEST_WORD + 1},}}")
_BREAK_EVERY = re.compile(rf"(\S{{{LONGEST_WORD}}})(?=\S)")


@register.filter
def flowing(text: str) -> str:
    """``text`` with its line breaks kept (the print stylesheet's ``svt-text``), unless it has so many that
    laying them out would cost more than the whole report should; words longer than a line may break."""
    if text.count("\n") > MOST_LINE_BREAKS:
        text = re.sub(r"\s*\n\s*", " / ", text.strip())
    return _LONG_WORD.sub(lambda word: _BREAK_EVERY.sub("\\1\u200b", word.group()), text)
