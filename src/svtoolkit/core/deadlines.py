"""Sends that give up at a deadline, however many round trips they take.

A timeout given to a socket bounds each operation, not the exchange: a server that answers each read just
inside it (a few bytes at a time, or one command after another) holds a send as long as it likes, past the
claim of ``core.sending``, and another worker sends it again. Here the time runs from the start of the send,
and each lookup of a name, connection, write and read is given only what is left of it; once none is left
the exchange fails as a timed-out read does (``TimeoutError``). Used by the SMTP backend (``messaging.smtp``)
and, through ``session_within``, by every HTTP send (webhooks, GOV.UK Notify).
"""

import http.client
import io
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from functools import partial

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family


class Deadline:
    """``seconds`` from now."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def time_left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left


def addresses_within(host: str, port, deadline: Deadline, *, family: int = 0) -> list[tuple]:
    """``socket.getaddrinfo`` of ``host`` for a stream connection, given only the time left (``TimeoutError``
    after it). A lookup cannot be interrupted, so it runs in a thread of its own, left to end when the
    resolver answers or gives up; what it finds then is not used."""
    try:
        ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        pass
    else:  # an address needs no lookup
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    answer: dict = {}

    def look_up():
        try:
            answer["found"] = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        except BaseException as error:  # handed to the caller, which raises it
            answer["error"] = error

    lookup = threading.Thread(target=look_up, name=f"lookup of {host}", daemon=True)
    lookup.start()
    lookup.join(deadline.time_left())
    if lookup.is_alive():
        raise TimeoutError(f"timed out looking up {host}")
    if "error" in answer:
        raise answer["error"]
    return answer["found"]


def connect_within(host: str, port, deadline: Deadline, connect, *, family: int = 0, failed=(OSError,)):
    """What ``connect(address)`` gives for the first of ``host``'s addresses that it reaches (as
    ``socket.create_connection`` tries them in turn), the lookup given only the time left: a slow resolver
    cannot hold a send past its deadline. ``failed`` are the errors after which the next address is tried;
    the last one is raised when none is reached."""
    failure: BaseException = OSError(f"{host} has no address")
    for *_, address in addresses_within(host, port, deadline, family=family):
        deadline.time_left()
        try:
            return connect(address[0])
        except failed as error:
            failure = error
    raise failure


class _ReadsWithinDeadline(io.RawIOBase):
    """A socket's reads, each given only the time left (a server could send a line a byte at a time). It holds
    the socket open until it is closed, as the socket's own file does."""

    def __init__(self, sock, deadline: Deadline):
        self.sock = sock
        self.deadline = deadline
        self.raw = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.sock.settimeout(self.deadline.time_left())
        return self.raw.readinto(buffer)

    def close(self) -> None:
        self.raw.close()
        super().close()


def reads_within(sock, deadline: Deadline) -> io.BufferedReader:
    """The socket's file for reading (what ``sock.makefile("rb")`` gives), giving up at ``deadline``."""
    return io.BufferedReader(_ReadsWithinDeadline(sock, deadline))


class _Answer(http.client.HTTPResponse):
    def __init__(self, sock, *args, deadline: Deadline, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp.close()
        self.fp = reads_within(sock, deadline)


class _WithinDeadline:
    """A urllib3 connection that gives up at ``deadline``: looking up the host's name, connecting, the TLS
    handshake (one socket operation), each write and each read of the answer are given only the time left.
    ``check_peer`` is given the address it connected to, before anything is sent."""

    def __init__(self, *args, deadline: Deadline, check_peer: Callable[[str], None] | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.check_peer = check_peer
        self.response_class = partial(_Answer, deadline=deadline)

    def _new_conn(self):
        name = self._dns_host
        try:
            sock = connect_within(
                name,
                self.port,
                self.deadline,
                self._connect_to,
                family=allowed_gai_family(),
                failed=(NewConnectionError,),
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out: {error}") from error
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        finally:
            self._dns_host = name
        try:
            if self.check_peer is not None:
                self.check_peer(sock.getpeername()[0])
            sock.settimeout(self.deadline.time_left())
        except BaseException:  # refused, or no time left: nothing is sent on it, and it is not left open
            sock.close()
            raise
        return sock

    def _connect_to(self, address: str):
        """urllib3's own connection to one address of the name (the name is still the host TLS checks)."""
        self._dns_host = address
        self.timeout = self.deadline.time_left()
        return super()._new_conn()

    def send(self, data):
        if self.sock is not None:
            self.sock.settimeout(self.deadline.time_left())
        super().send(data)


class _Connection(_WithinDeadline, HTTPConnection):
    pass


class _TLSConnection(_WithinDeadline, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


class _Pools(PoolManager):
    def __init__(self, *args, connection_kw: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_kw = connection_kw
        self.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def _new_pool(self, scheme, host, port, request_context=None):
        context = {**(request_context or self.connection_pool_kw), **self.connection_kw}
        return super()._new_pool(scheme, host, port, context)


class _Adapter(HTTPAdapter):
    def __init__(self, **connection_kw):
        self.connection_kw = connection_kw
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _Pools(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            connection_kw=self.connection_kw,
            **pool_kwargs,
        )


def session_within(
    deadline: Deadline, *, check_peer: Callable[[str], None] | None = None
) -> requests.Session:
    """A requests session whose requests, all together, give up at ``deadline`` (``requests.Timeout`` while
    connecting or waiting for the answer's head). ``check_peer(address)`` may refuse, by raising, the address
    each connection reached before anything is sent on it: the one that was connected to, whatever the name
    resolved to when it was checked before. It connects directly, never through a proxy named in the
    environment (HTTPS_PROXY): the proxy's connection would be neither bounded nor checked."""
    session = requests.Session()
    session.trust_env = False
    adapter = _Adapter(deadline=deadline, check_peer=check_peer)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
