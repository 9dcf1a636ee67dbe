"""Django's SMTP email backend, its timeout the longest the whole exchange with the mail server may take.

smtplib gives the timeout to each socket operation, and sending one message takes about nine round trips
(greeting, EHLO, STARTTLS, EHLO again, AUTH, MAIL, RCPT, DATA, the end of the data): here the time runs from
the connection, and the lookup of the server's name, each connection, write and read is given only what is
left of it (``core.deadlines``).
"""

import smtplib
from functools import partial

from django.core.mail.backends import smtp

from svtoolkit.core.deadlines import Deadline, connect_within, reads_within


class _WithinDeadline:
    """An SMTP connection that gives up at ``deadline``."""

    def __init__(self, *args, deadline: Deadline, **kwargs):
        self.deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        # smtplib's own connection to each address in turn (over TLS for SMTP_SSL, which checks the name it
        # was given, self._host): only the lookup of the name is done here, where it counts in the deadline.
        connect = super()._get_socket
        return connect_within(
            host, port, self.deadline, lambda address: connect(address, port, self.deadline.time_left())
        )

    def send(self, s):
        if self.sock is not None:
            try:
                self.sock.settimeout(self.deadline.time_left())
            except TimeoutError as error:  # as smtplib reports a write that failed
                self.close()
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {error}") from error
        super().send(s)

    def getreply(self):
        if self.file is None and self.sock is not None:
            self.file = reads_within(self.sock, self.deadline)
        return super().getreply()


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
        return partial(_SMTPOverSSL if self.use_ssl else _SMTP, deadline=Deadline(self.timeout))
