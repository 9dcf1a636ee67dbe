"""Real servers the delivery tests send to: an SMTP server (aiosmtpd) that can refuse or hang on demand, and
GOV.UK Notify's HTTP API answered locally (pytest-httpserver), so Notify's own client is used unchanged."""

import asyncio
import json
import socket
import threading
import uuid
from email import message_from_bytes

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from werkzeug import Response

NOTIFY_SERVICE_ID = str(uuid.uuid4())
NOTIFY_SECRET = str(uuid.uuid4())
NOTIFY_SMS_TEMPLATE = str(uuid.uuid4())
NOTIFY_EMAIL_TEMPLATE = str(uuid.uuid4())


def set_up_notify(httpserver, settings):
    """svtoolkit set up to send both channels through a local stand-in for Notify's API (the ``notify``
    fixture)."""
    settings.NOTIFY_API_KEY = f"svtoolkit_test-{NOTIFY_SERVICE_ID}-{NOTIFY_SECRET}"
    settings.NOTIFY_BASE_URL = httpserver.url_for("/")
    settings.NOTIFY_SMS_TEMPLATE_ID = NOTIFY_SMS_TEMPLATE
    settings.NOTIFY_EMAIL_TEMPLATE_ID = NOTIFY_EMAIL_TEMPLATE
    settings.SVTOOLKIT_EMAIL_PROVIDER = "notify"
    settings.SVTOOLKIT_SMS_PROVIDER = "notify"
    settings.SVTOOLKIT_SEND_TIMEOUT = 1
    return httpserver


def notify_authorised(request) -> bool:
    """Notify's own check: a JWT signed with the key's secret, issued by the service."""
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return get_token_issuer(token) == NOTIFY_SERVICE_ID and decode_jwt_token(token, NOTIFY_SECRET)


def notify_accepts(received):
    """A handler for the stand-in's send endpoints: it takes each message, kept in ``received``."""

    def handler(request):
        assert notify_authorised(request)
        received.append(json.loads(request.data))
        return Response(
            json.dumps({"id": str(uuid.uuid4()), "reference": received[-1].get("reference")}), 201
        )

    return handler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _SlowToAnswer(SMTP):
    """Holds each answer (the greeting, and its last line to each command) for the handler's
    ``reply_delay`` seconds, as a tarpitting server does."""

    async def push(self, status):
        line = status if isinstance(status, str) else status.decode()
        if self.event_handler.reply_delay and line[3:4] != "-":
            await asyncio.sleep(self.event_handler.reply_delay)
        await super().push(status)


class _Controller(Controller):
    def factory(self):
        return _SlowToAnswer(self.handler, **self.SMTP_kwargs)


class ControlledSMTP:
    """An SMTP server on 127.0.0.1. ``mode``: accept, hang (never answers the message), defer (451) or
    reject (550) the message, answer the recipient's address (RCPT TO) with defer_address (450, as a
    greylisting server does) or reject_address (550), or the sender's (MAIL FROM) with defer_sender (451).
    ``reply_delay``: seconds it takes to answer anything. ``received`` holds what it accepted, as email
    messages."""

    def __init__(self):
        self.port = free_port()
        self.mode = "accept"
        self.received = []
        self.hang_seconds = 5.0
        self.accept_delay = 0.0
        self.reply_delay = 0.0
        self.data_started = threading.Event()
        self._controller = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mode == "defer_sender":
            return "451 4.3.0 Try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "defer_address":
            return "450 4.7.1 Try again later"
        if self.mode == "reject_address":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
            return "451 Still thinking"
        if self.mode == "defer":
            return "451 Try again later"
        if self.mode == "reject":
            return "550 No such mailbox"
        if self.accept_delay:
            await asyncio.sleep(self.accept_delay)
        self.received.append(message_from_bytes(envelope.content))
        return "250 Accepted"

    def start(self):
        self._controller = _Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


class DrippingHTTPServer:
    """An HTTP server on 127.0.0.1 that answers every request with ``answer``, one byte every ``gap``
    seconds: each read gets a byte well inside any timeout, and the whole answer takes far longer than one.
    ``requests`` counts the requests it was sent."""

    def __init__(self, answer: bytes, *, gap: float = 0.05):
        self.answer = answer
        self.gap = gap
        self.requests = 0
        self._listening = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listening.getsockname()[1]}/"
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stopped.is_set():
            try:
                client, _ = self._listening.accept()
            except OSError:  # stopped
                return
            threading.Thread(target=self._drip, args=(client,), daemon=True).start()

    def _drip(self, client):
        with client:
            client.recv(65536)
            self.requests += 1
            for byte in self.answer:
                if self._stopped.wait(self.gap):
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:  # the client gave up
                    return

    def stop(self):
        self._stopped.set()
        self._listening.close()


SLOW_NAME = "slow-to-resolve.example.org"


def slow_resolver(monkeypatch, *, seconds: float, answer: str = "127.0.0.1") -> str:
    """A resolver that takes ``seconds`` to answer for the name it returns (``SLOW_NAME``), then gives
    ``answer``; other names resolve as usual. A real slow resolver would have to be the machine's own (glibc
    reads its name servers only from /etc/resolv.conf), shared with everything else running here, so the
    lookup is slowed where the standard library calls the system's resolver: ``socket.getaddrinfo``."""
    resolve = socket.getaddrinfo

    def slowly(host, *args, **kwargs):
        if host == SLOW_NAME:
            threading.Event().wait(seconds)
            host = answer
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slowly)
    return SLOW_NAME
