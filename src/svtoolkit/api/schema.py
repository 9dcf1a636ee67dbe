"""Teaches drf-spectacular how the API authenticates, what a PATCH needs and what each operation may answer
besides success, so the OpenAPI schema and the docs describe it (docs/api.md, "Errors")."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "svtoolkit.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on your account page (API tokens).",
        }


# What a request sends to say what it read: with a stale one, the answer is 409 and nothing changes.
WHAT_WAS_READ = ("revision", "from_status")

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "InputErrors": {
        "type": "object",
        "description": 'Each field\'s messages, {"title": ["Enter a short title"]}; a rule about the whole '
        'record, {"detail": "..."}.',
        "additionalProperties": {},
    },
    "EditConflict": {
        "type": "object",
        "properties": {"detail": {"type": "string"}, "current_revision": {"type": "integer"}},
        "required": ["detail", "current_revision"],
    },
}


def _answer(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


ERRORS = {
    "400": _answer("The input is wrong, or a rule refuses it.", "InputErrors"),
    "403": _answer("Your role may not do this, or the incident is closed.", "Error"),
    "404": _answer("It does not exist, or you may not see it (or a page past the end).", "Error"),
    "409": _answer("Someone changed it since you read it: read it again.", "EditConflict"),
}


def _request_schema(operation: dict, schemas: dict) -> dict | None:
    """The component an operation's body is, if it takes one (each media type names the same one)."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        return schemas[media["schema"]["$ref"].rsplit("/", 1)[-1]]
    return None


def _errors_of(path: str, method: str, operation: dict, sent: dict | None) -> list[str]:
    """The error answers docs/api.md gives this operation."""
    queried = {
        parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "query"
    }
    changes = method != "get"
    return [
        code
        for code, answered in (
            ("400", changes or bool(queried)),
            ("403", changes),
            ("404", "{" in path or "page" in queried),
            ("409", sent is not None and any(read in sent.get("required", []) for read in WHAT_WAS_READ)),
        )
        if answered
    ]


def patches_need_their_revision_and_errors_are_declared(result, generator, request, public):
    """A postprocessing hook. drf-spectacular makes every field of a PATCH's body optional, as DRF reads it
    partially; ours each refuse one without the ``revision`` read, so it is required here, for all at once.
    Each operation then lists the errors it may answer, in the one place that knows them all."""
    schemas = result["components"]["schemas"]
    schemas.update(ERROR_SCHEMAS)
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            sent = _request_schema(operation, schemas)
            if method == "patch" and sent is not None and "revision" in sent["properties"]:
                sent["required"] = ["revision"]
                operation["requestBody"]["required"] = True
            for code in _errors_of(path, method, operation, sent):
                operation["responses"][code] = ERRORS[code]
    return result
