"""ClamAV for the attachment tests: a clamd of our own, started once per test session on a temporary unix
socket with a database of one signature (the EICAR test file's MD5 hash), since signature updates cannot be
downloaded here. A missing clamd fails the tests: they never skip."""

import hashlib
import shutil
import socket
import subprocess
import time

import pytest

from tests.attachments.builders import EICAR


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory):
    clamd = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if clamd is None:
        pytest.fail("clamd is not installed: apt-get install -y clamav-daemon (see .ci/run)")
    home = tmp_path_factory.mktemp("clamd")
    (home / "db").mkdir()
    (home / "db" / "eicar.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Eicar-Test-Signature\n"
    )
    path = home / "clamd.sock"
    (home / "clamd.conf").write_text(
        f"LocalSocket {path}\nDatabaseDirectory {home / 'db'}\nForeground yes\nLogFile {home / 'clamd.log'}\n"
        f"TemporaryDirectory {home}\nBytecode no\n"
    )
    daemon = subprocess.Popen([clamd, "-c", str(home / "clamd.conf")], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert daemon.poll() is None, (home / "clamd.log").read_text()
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(path))
                    probe.sendall(b"zPING\0")
                    if probe.recv(16).startswith(b"PONG"):
                        break
            except OSError:
                assert time.monotonic() < deadline, "clamd did not start"
                time.sleep(0.1)
        yield str(path)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


@pytest.fixture
def scanning(settings, clamd_socket):
    """Attachments scanned by the test clamd."""
    settings.CLAMAV_SOCKET = clamd_socket


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
