"""Each input rule is written once: a message a person is shown when what they gave is refused is defined in
one place in src/ (the service that enforces the rule, or the one field helper that checks a format), never
copied into a second form, serializer or service. See docs/decisions/0010-each-input-rule-written-once.md."""

import ast
from collections import defaultdict
from pathlib import Path

import svtoolkit

SRC = Path(svtoolkit.__file__).parent
ERROR_CALLS = {"DomainError", "ValidationError", "_invalid", "add_error", "fail_with"}
MESSAGE_KEYWORDS = {"message", "required_message", "error_messages", "default_error_messages"}


def _text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def _strings_in(node):
    """Every message string in ``node``: a string, or the values of a dict or list of them."""
    if (found := _text(node)) is not None:
        yield found
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings_in(value)
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            yield from _strings_in(item)


def _called(node) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_error_message(node) -> bool:
    """``messages.error(request, ...)``: a view telling the person why it refused what they asked."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "error"
        and isinstance(func.value, ast.Name)
        and func.value.id == "messages"
    )


def messages_in(tree):
    """(message, line) for each message a person may be shown when input is refused."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            arguments = list(node.args)
            if _called(node) == "add_error" or _is_error_message(node):
                arguments = arguments[1:]
            if _called(node) in ERROR_CALLS or _is_error_message(node):
                for argument in arguments[:1] if _called(node) != "_invalid" else arguments[1:2]:
                    for message in _strings_in(argument):
                        yield message, node.lineno
            for keyword in node.keywords:
                if keyword.arg in MESSAGE_KEYWORDS or (keyword.arg or "").endswith("_message"):
                    for message in _strings_in(keyword.value):
                        yield message, node.lineno
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "default_error_messages" for target in node.targets
        ):
            for message in _strings_in(node.value):
                yield message, node.lineno


def _key(message: str) -> str:
    # "Say why." and "Say why" are the same message written twice.
    return " ".join(message.split()).rstrip(".").casefold()


def defined_messages() -> dict[str, list[str]]:
    places = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for message, line in messages_in(ast.parse(path.read_text(), filename=str(path))):
            if len(message.split()) >= 3:  # "This field is required." style words are DRF's and Django's own
                place = f"{path.relative_to(SRC)}:{line}"
                if place not in places[_key(message)]:  # one field's messages, one place
                    places[_key(message)].append(place)
    return places


def test_the_scan_finds_the_messages_it_is_meant_to():
    sample = ast.parse(
        "raise DomainError('Give a place or an online link.', field='place')\n"
        "form.add_error('when', 'Enter when it happened')\n"
        "x = forms.CharField(error_messages={'required': 'Enter a short title'})\n"
        "raise serializers.ValidationError({'note': ['Say who the action was handed over to.']})\n"
        "check_time_told(at=at, field='at', before_message='Cannot be before it happened.')\n"
        "messages.error(request, 'Publish the checklist first.')\n"
        "messages.success(request, 'The checklist was published.')\n"
    )
    assert [message for message, _ in messages_in(sample)] == [
        "Give a place or an online link.",
        "Enter when it happened",
        "Enter a short title",
        "Say who the action was handed over to.",
        "Cannot be before it happened.",
        "Publish the checklist first.",
    ]


def test_each_validation_message_is_defined_in_one_place():
    repeated = {message: places for message, places in defined_messages().items() if len(places) > 1}
    assert not repeated, "Written more than once (move the rule into its service or one shared field):\n" + (
        "\n".join(f"  {message!r}: {', '.join(places)}" for message, places in sorted(repeated.items()))
    )
