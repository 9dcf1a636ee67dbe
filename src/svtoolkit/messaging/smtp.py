"""Django's SMTP email backend, its timeout the longest the whole exchange with the mail server may take.

smtplib gives the timeout to each socket operation, and sending one message takes about nine round trips
(greeting, EHLO, STARTTLS, EHLO again, AUTH, MAIL, RCPT, DATA, the end of the data): a server that answers
each just inside the timeout would hold a send far longer than its claim (``core.sending``), and another
worker would send the message again. Here the time runs from the connection, and each connection, write and
read is given only what is left of it; once none is left the exchange fails as a timed-out read does.
"""

import io
import smtplib
import time
from functools import partial

from django.core.mail.backends import smtp


class _WithinDeadline:
    """An SMTP connection that gives up at ``deadline`` (``time.monotonic()``)."""

    def __init__(self, *args, deadline: float, **kwargs):
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def time_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(host, port, self.time_left())

    def send(self, s):
        if self.sock is not None:
            try:
                self.sock.settimeout(self.time_left())
            except TimeoutError as error:  # as smtplib reports a write that failed
                self.close()
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {error}") from error
        super().send(s)

    def getreply(self):
        if self.file is None and self.sock is not None:
            self.file = io.BufferedReader(_ReadsWithinDeadline(self))
        return super().getreply()


class _ReadsWithinDeadline(io.RawIOBase):
    """The server's answers, each read from the socket given only the time left (smtplib reads lines, and a
    server could send a line a few bytes at a time)."""

    def __init__(self, connection: _WithinDeadline):
        self.connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.connection.sock.settimeout(self.connection.time_left())
        return self.connection.sock.recv_into(buffer)


class _SMTP(_WithinDeadline, smtplib.SMTP):
    pass


class _SMTPOverSSL(_WithinDeadline, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend (settings.EMAIL_BACKEND for an smtp EMAIL_URL), with ``timeout`` bounding the
    whole exchange from the moment it connects."""

    @property
    def connection_class(self):
        if self.timeout is None:
            return super().connection_class
        return partial(_SMTPOverSSL if self.use_ssl else _SMTP, deadline=time.monotonic() + self.timeout)
