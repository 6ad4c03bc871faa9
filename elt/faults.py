"""Which faults a retry can fix, and what to fix by hand when it cannot.

Transient: another process holds the warehouse's lock, a connection dropped or timed out, a server answered 5xx.
Permanent: no permission, a read-only or full disk, a file that is not a database this engine opens. A task retries
only a transient fault; any other fails at once, a permanent one with a message naming the file and what to fix.
Faults that are neither (a broken contract, a bug) are not retried either: running the same code on the same input
again gives the same answer.
"""

from __future__ import annotations

import errno
import getpass
import re
from collections.abc import Iterator
from dataclasses import dataclass

_TRANSIENT_ERRNOS = frozenset(
    {
        errno.EAGAIN,
        errno.EBUSY,
        errno.ETIMEDOUT,
        errno.ECONNRESET,
        errno.ECONNREFUSED,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ENETUNREACH,
        errno.EHOSTUNREACH,
    }
)
_TRANSIENT_TEXT = re.compile(
    r"could not set lock on file|conflicting lock is held|database is locked|connection (?:reset|refused|aborted)"
    r"|timed out|temporarily unavailable|too many requests|server error|bad gateway|service unavailable"
    r"|gateway time-?out",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Permanent:
    """One kind of permanent fault: how to recognise it and what to tell the person who can fix it."""

    errnos: frozenset[int]
    text: re.Pattern[str]
    fix: str  # formatted with path, reason, user


_PERMANENT = (
    _Permanent(
        frozenset({errno.EACCES, errno.EPERM}),
        re.compile(r"permission denied|operation not permitted", re.IGNORECASE),
        "{path} is not writable ({reason}): make it writable by user {user} (an immutable file: chattr -i),"
        " or set ELT_DATA_DIR to a directory that is",
    ),
    _Permanent(
        frozenset({errno.EROFS}),
        re.compile(r"read-only file system", re.IGNORECASE),
        "{path} is on a read-only file system: mount it read-write, or set ELT_DATA_DIR to a writable directory",
    ),
    _Permanent(
        frozenset({errno.ENOSPC, errno.EDQUOT}),
        re.compile(r"no space left on device|disk quota exceeded", re.IGNORECASE),
        "no space left for {path} ({reason}): free space on its disk, or set ELT_DATA_DIR to a larger one",
    ),
    _Permanent(
        frozenset({errno.EISDIR}),
        re.compile(r"is a directory", re.IGNORECASE),
        "{path} is a directory where a file belongs: move it away",
    ),
    _Permanent(
        frozenset(),
        re.compile(r"not a valid DuckDB database file|database file with version number", re.IGNORECASE),
        "{path} is not a database this DuckDB can open ({reason}): restore it from a backup, or move it aside"
        " to start a new warehouse (the lake's files are ingested again)",
    ),
)
_QUOTED_FILE = re.compile(r'file "([^"]+)"')


class WaitedOutError(RuntimeError):
    """A resource was waited for, with backoff, and stayed busy: a task retry would only wait again."""


class PermanentFaultError(RuntimeError):
    """A fault no retry can fix; the message names the file and says what to fix."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it (``raise ... from``): drivers and SQLAlchemy wrap the operating system's."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__


def _reason(kind: _Permanent, error: BaseException) -> str | None:
    if isinstance(error, OSError) and error.errno in kind.errnos:
        return error.strerror or str(error)
    match = kind.text.search(str(error))
    return match.group(0) if match else None


def explain(error: BaseException) -> PermanentFaultError | None:
    """The permanent fault behind ``error``, with what to fix; None when it is not one."""
    for cause in _chain(error):
        for kind in _PERMANENT:
            if reason := _reason(kind, cause):
                path = getattr(cause, "filename", None) or _quoted_file(cause) or "a file of the warehouse"
                return PermanentFaultError(kind.fix.format(path=path, reason=reason, user=getpass.getuser()))
    return None


def _quoted_file(error: BaseException) -> str | None:
    match = _QUOTED_FILE.search(str(error))
    return match.group(1) if match else None


def is_transient(error: BaseException) -> bool:
    """Whether the same work may succeed when tried again: never when a permanent fault is behind it."""
    if isinstance(error, PermanentFaultError | WaitedOutError) or explain(error) is not None:
        return False
    return any(
        isinstance(cause, TimeoutError | ConnectionError)
        or (isinstance(cause, OSError) and cause.errno in _TRANSIENT_ERRNOS)
        or _TRANSIENT_TEXT.search(str(cause)) is not None
        for cause in _chain(error)
    )
