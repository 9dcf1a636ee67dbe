"""Reading API request bodies."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No body of this API nests deeper than a few levels (an incident with its scenes is three); 32 leaves room
# while refusing bodies built to exhaust the parser or the serializers that walk them.
MAX_JSON_DEPTH = 32

TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_JSON_DEPTH} levels of lists and objects."


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 with a clear message, not 500, to a body nested deeper than
    MAX_JSON_DEPTH (Python's decoder gives up on a few thousand levels with a RecursionError)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        return data


def _depth_exceeds(data, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest deeper than ``limit``; walked without recursion."""
    waiting = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        waiting.extend((child, depth + 1) for child in children)
    return False
