"""Limits on JSON that comes from outside (API bodies, uploaded files)."""

import json


def nested_deeper_than(data, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest deeper than ``limit``; walked without recursion, so a value
    built to exhaust the stack is measured safely."""
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


def has_text_not_in_utf8(data) -> bool:
    """Whether a string or key in ``data`` cannot be written as UTF-8: a lone surrogate, which JSON's escape
    ``\\ud800`` gives, and no database, page or error message can hold. Call it on data already measured by
    ``nested_deeper_than``."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
