"""Reading API request bodies."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from svtoolkit.core.json_limits import has_text_not_in_utf8, nested_deeper_than

# No body of this API nests deeper than a few levels (an incident with its scenes is three); 32 leaves room
# while refusing bodies built to exhaust the parser or the serializers that walk them.
MAX_JSON_DEPTH = 32

TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_JSON_DEPTH} levels of lists and objects."

NOT_UTF8 = (
    "The JSON body holds text that is not Unicode: an escape such as \\ud800 (half of a surrogate pair) "
    "stands for no character."
)


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 with a clear message, not 500, to a body nested deeper than
    MAX_JSON_DEPTH (Python's decoder gives up on a few thousand levels with a RecursionError), and to one
    with a string or key that cannot be written as UTF-8 (an error repeating it could not be sent)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nested_deeper_than(data, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        if has_text_not_in_utf8(data):
            raise ParseError(NOT_UTF8)
        return data
