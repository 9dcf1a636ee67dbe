"""One family of errors for broken rules: a message a person understands, and the field it concerns."""


class DomainError(Exception):
    """A rule was broken; ``message`` is shown to the person, on ``field`` when it concerns one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class EditConflict(DomainError):
    """Someone else saved the same record since this edit began."""
