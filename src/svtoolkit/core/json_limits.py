"""Limits on JSON that comes from outside (API bodies, uploaded files)."""


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
