"""Scanning a file for malware with ClamAV's clamd, over its INSTREAM protocol (a unix socket, or TCP).

Scanning is on when SVTOOLKIT_CLAMAV_SOCKET or SVTOOLKIT_CLAMAV_HOST is set. Then a file is kept only when
clamd answers that it is clean: an infected file, or a clamd that cannot be reached or answers with an error,
stops the upload (failing closed).
"""

import socket
import struct

from django.conf import settings

CHUNK = 64 * 1024


class ScanFailed(Exception):
    """clamd could not be reached or could not scan the file."""


def is_configured() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


def check_scanner_configured(app_configs=None, **kwargs) -> list:
    """A deployment check (``check --deploy``): attachments are scanned, or the operator is told they are
    not."""
    from django.core.checks import Warning

    if is_configured():
        return []
    return [
        Warning(
            "Attachments are not scanned for viruses: neither SVTOOLKIT_CLAMAV_SOCKET nor "
            "SVTOOLKIT_CLAMAV_HOST is set, so uploaded files are kept after checks of their size and "
            "kind only.",
            hint="Run ClamAV's clamd and set SVTOOLKIT_CLAMAV_SOCKET or SVTOOLKIT_CLAMAV_HOST "
            "(docs/operations.md, Attachments: storage and virus scanning).",
            id="svtoolkit.W201",
        )
    ]


def _connect() -> socket.socket:
    if settings.CLAMAV_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = settings.CLAMAV_SOCKET
    else:
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (settings.CLAMAV_HOST, settings.CLAMAV_PORT)
    connection.settimeout(settings.CLAMAV_TIMEOUT)
    try:
        connection.connect(address)
    except OSError:
        connection.close()
        raise
    return connection


def scan(chunks) -> str | None:
    """The name of the malware clamd finds in the bytes of ``chunks``, or None when it finds none."""
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                received = connection.recv(4096)
                if not received:
                    break
                answer += received
    except OSError as error:
        raise ScanFailed(f"clamd could not be reached: {error}") from error
    reply = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if reply.endswith(" FOUND"):
        return reply.removeprefix("stream:").removesuffix(" FOUND").strip()
    if reply.endswith(": OK"):
        return None
    raise ScanFailed(f"clamd could not scan the file: {reply}")
