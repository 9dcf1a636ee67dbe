"""Page parts kept in the cache, under a key that changes with everything the part shows.

A part is cached only when drawing it read nothing but tables whose changes ``core.changes`` logs, among
those it declares (its key holds the changes to those alone), and wrote nothing; anything else is drawn
afresh every time (and, under test, is an error, so that a new panel reading a new table, or a part reading
a table it does not declare, cannot go stale unnoticed). The form keys a part carries belong to the request
that drew it: they are taken out before it is kept and each request's own are put back in.
"""

import functools
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

import svtoolkit
from svtoolkit.core.cache import OUTAGE_ERRORS
from svtoolkit.core.changes import TablesRead
from svtoolkit.core.submissions import FIELD as SUBMISSION_FIELD

logger = logging.getLogger(__name__)

# A key holds the minute it was drawn in (overdue and due-soon states move with the clock), so a part lives
# no longer than that minute.
PART_SECONDS = 120

_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
_SUBMISSION_VALUE = re.compile(rf'(name="{SUBMISSION_FIELD}" value=")([0-9a-f]{{32}})(")')
_CSRF_HOLE = "\x00svt-csrf\x00"
_SUBMISSION_HOLE = "\x00svt-submission\x00"
# Where a live part tells its refresh what it shows: drawn as this mark, filled in by saying_what_it_shows.
SHOWN_MARK = "\x00svt-shown\x00"
SHOWN_HEADER = "X-Svt-Shown"


def part_key(name: str, *parts) -> str:
    """The cache key of a part: its name, what it shows (``parts``), the minute and this release."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    digest = hashlib.sha256(repr((release(), minute, *parts)).encode()).hexdigest()
    return f"svt:part:{name}:{digest}"


@functools.cache
def release() -> str:
    """This release as what a part shows depends on it: its own files (code, templates, shipped data) and its
    settings (the protective marking, say). ``svtoolkit.__version__`` is the same from one deployment to the
    next, so it alone would show a part drawn before a deployment after it. Worked out once a process."""
    values = {name: _plain(getattr(settings, name)) for name in dir(settings) if name.isupper()}
    return hashlib.sha256(repr((_files(), sorted(values.items()))).encode()).hexdigest()


@functools.cache
def _files() -> str:
    digest = hashlib.sha256(svtoolkit.__version__.encode())
    package = Path(svtoolkit.__file__).parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(package)}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value):
    """A setting as data every process of a deployment writes alike: a set in order, and an object (a class,
    a function) by its type alone, since its repr may hold an address."""
    if isinstance(value, str | int | float | bool | None | Path):
        return value
    if isinstance(value, dict):
        return sorted((repr(key), _plain(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(repr(_plain(item)) for item in value)
    return type(value).__qualname__


@receiver(setting_changed, dispatch_uid="svtoolkit-part-release")
def _forget_release(**kwargs):
    release.cache_clear()  # settings change only under test; the files do not


def kept_parts(*keys: str) -> dict:
    """The parts kept under ``keys`` (those kept), in one round trip: for a page made of several parts."""
    try:
        return cache.get_many(keys)
    except OUTAGE_ERRORS:  # Redis is down: the parts are drawn as if nothing were cached
        return {}


def cached_part(
    request,
    key: str,
    draw: Callable[[], dict],
    *,
    reads: frozenset[str] | None = None,
    kept: dict | None = None,
) -> dict:
    """What ``draw`` gives (a dict of a page's parts: HTML, text, flags) as kept under ``key``, with this
    request's form keys in its HTML; drawn (and kept) when not cached. ``reads``: the tables the part may
    read, those whose changes its key holds (none given: any tracked table, for a key that holds every
    change). ``kept``: what ``kept_parts`` found, when it was asked for this key with others."""
    kept = kept_parts(key) if kept is None else kept
    kept = kept.get(key)
    if kept is not None:
        return {name: _with_request_keys(value, request) for name, value in kept.items()}
    with TablesRead(declared=reads) as read:
        drawn = draw()
    if read.untracked or read.undeclared or read.wrote:
        _refuse_to_keep(key, read)
        return drawn
    keepable = {name: _without_request_keys(value) for name, value in drawn.items()}
    if None not in keepable.values():
        try:
            cache.set(key, keepable, PART_SECONDS)
        except OUTAGE_ERRORS:
            pass
    return drawn


def _refuse_to_keep(key: str, read: TablesRead) -> None:
    if read.untracked:
        why, fix = (
            f"tables whose changes are not logged: {sorted(read.untracked)}",
            "track them in core.changes",
        )
    elif read.undeclared:
        why, fix = f"tables it does not declare: {sorted(read.undeclared)}", "add them to what it reads"
    else:
        why, fix = "a write", "draw it without writing"
    if settings.MODE == "test":
        raise ImproperlyConfigured(f"The cached part {key.split(':')[2]} read {why}; {fix}.")
    logger.warning("Not caching the part %s: it read %s", key, why)


def _without_request_keys(html):
    """The part with its CSRF token and one-time form keys taken out, or None when the token shows anywhere
    else (it must never reach another session). Not a string: as it is."""
    if not isinstance(html, str):
        return html
    tokens = {match.group(2) for match in _CSRF_VALUE.finditer(html)}
    held = _held(html)
    if any(token in held for token in tokens):
        return None
    return held


def _held(html: str) -> str:
    return _SUBMISSION_VALUE.sub(
        rf"\g<1>{_SUBMISSION_HOLE}\g<3>", _CSRF_VALUE.sub(rf"\g<1>{_CSRF_HOLE}\g<3>", html)
    )


def fingerprint(html: str) -> str:
    """What a part shows, the same whichever request drew it or found it kept (its form keys, which are each
    request's own, left out): a page's copy of a part says it, and its refresh answers nothing when the part
    still shows the same."""
    return hashlib.sha256(_held(html).encode()).hexdigest()[:32]


def saying_what_it_shows(html: str, *, drawn_at: Mapping[str, str] | None = None) -> tuple[str, str]:
    """A live part drawn with ``SHOWN_MARK`` where it tells its refresh what it shows (its hx-headers'
    ``X-Svt-Shown``), with its ``fingerprint`` filled in there, and the fingerprint. ``drawn_at``: marks
    standing for what differs each time the part is drawn though it shows nothing new (the time it was
    drawn), left in for the fingerprint and filled in after."""
    shown = fingerprint(html)
    html = html.replace(SHOWN_MARK, shown)
    for mark, text in (drawn_at or {}).items():
        html = html.replace(mark, text)
    return html, shown


def answer_refresh(request, html: str, shown: str) -> HttpResponse:
    """A live part's answer to its refresh: 204, which htmx swaps nothing for, when the page's copy shows the
    same (``saying_what_it_shows``), so that keyboard focus and a screen reader's place stay where they were;
    else the part."""
    if request.headers.get(SHOWN_HEADER, "") == shown:
        return HttpResponse(status=204)
    return HttpResponse(html)


def _with_request_keys(kept, request):
    if not isinstance(kept, str):
        return kept
    token = get_token(request) if _CSRF_HOLE in kept else ""
    with_token = kept.replace(_CSRF_HOLE, token)
    return re.sub(re.escape(_SUBMISSION_HOLE), lambda _: secrets.token_hex(16), with_token)
