"""Filters for the log configuration in settings.LOGGING."""

import logging


class RefusalsOnOneLine(logging.Filter):
    """A refusal (403) or a page not found (404) is an answer, not a fault, but Django logs it with the
    exception's traceback, which fills the ``make run`` terminal. Keep the one line ("Forbidden: /path/") and
    drop the traceback; server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
