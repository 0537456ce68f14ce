"""Who is sending a message, and whether that sender is still alive.

A sender claims a message (``sending``) before it talks to the server and
marks it ``sent`` once the server accepted it. A sender killed in between
leaves its claim behind: the next sender must take the message again (and
send it again, under the same Message-ID: the server may or may not have
got it), but never while its sender still lives, or the message would go
twice.

A claim names its sender as ``host:pid:start``, ``start`` being the
process's start time in clock ticks (Linux ``/proc``), so that a process
that later gets the same pid is not mistaken for the dead one. A claim of
this host whose process is gone is released at once; any claim older than
:data:`LEASE` is released too, whatever its host: every network call has a
timeout (at most 60 s, a few calls per message), so a sender that has held
a message that long is dead, hung, or on a host that cannot be asked.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from cosen.clock import after

__all__ = ["LEASE", "abandoned", "process_claimer"]

LEASE: Final = timedelta(minutes=15)


def process_claimer() -> str:
    """This process as a claimer: ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"


def abandoned(
    claimer: str | None, claimed_at: datetime | None, now: datetime
) -> bool:
    """Whether a claim may be released: its lease ran out, or it is this
    host's and its process is gone."""
    if claimer is None or claimed_at is None:
        return True
    if claimed_at <= after(now, minutes=-LEASE.total_seconds() / 60):
        return True
    host, _, rest = claimer.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return not _alive(int(pid_text), start)


def _alive(pid: int, start: str) -> bool:
    if pid == os.getpid():
        return start == (_start_time(pid) or "")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    if not start:  # claimed where /proc could not tell
        return True
    # A zombie has no start time to give; a different one is a new
    # process under a recycled pid.
    return _start_time(pid) == start


def _start_time(pid: int) -> str | None:
    """A process's start time in clock ticks, ``None`` where ``/proc``
    cannot tell (another system, or the process is a zombie or gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (2nd field, in parentheses) may hold spaces.
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return fields[19]
