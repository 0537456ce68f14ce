"""Bounds of every numeric setting a user can type.

The command line, scenario files and the desk all check a setting against
the same bounds, kept here, in a module light enough for ``cosen --help``
to import. Anything outside them is a typo, not a plan: a notice of a
year, a gap of a week, ``nan``.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DASK_LIMITS",
    "DEFAULT_GOAL",
    "LIMITS",
    "NOTIFY_LIMITS",
    "PLANNING_LIMITS",
    "SHEET_LIMITS",
]

LIMITS: Final[dict[str, tuple[float, float]]] = {
    "notice_hours": (0, 168),
    "transport_hours": (0, 720),
    "max_gap_minutes": (0, 720),
    "time_limit": (0.1, 3600),
    "seed": (0, 2**31 - 1),
    "workers": (1, 64),
}
"""Setting name -> (least, greatest) value accepted (each one a field of
:class:`~cosen.allocation.AllocationSettings`, which checks them all)."""

PLANNING_LIMITS: Final[dict[str, tuple[float, float]]] = {
    "goal": (0, 100),
    "budget": (1, 1_000_000),
}
"""Bounds of a planner's goal (% of referrals seen within target, ``cosen
scenario sweep`` and ``recommend``) and of a search's budget (replications
simulated), on the command line and the desk."""

DEFAULT_GOAL: Final = 95.0
"""% of referrals to see within target when a planner names no goal (a
sweep's ``--goal``, the goal the planner's page starts from)."""

SHEET_LIMITS: Final[dict[str, int]] = {
    "rows": 1_000_000,
    "columns": 256,
    "cells": 25_000_000,
    "bytes": 1 << 30,
    "cell_chars": 32_767,
}
"""What one sheet or CSV file read may hold: data rows; columns; cells
spanned (rows times columns, what the parser lays out); bytes (a CSV file,
or a workbook's uncompressed content); characters in one cell (Excel's
own maximum). A sheet past one of them is refused; a longer cell rejects
its row."""

NOTIFY_LIMITS: Final[dict[str, tuple[float, float]]] = {
    "port": (1, 65535),
    "timeout": (1, 60),
}
"""Bounds of the sending configuration's numbers (``cosen notify``): a
network call waits at most a minute, so that a sender's claim on a message
(:data:`cosen.notify.claims.LEASE`) always outlasts its attempt."""

DASK_LIMITS: Final[dict[str, tuple[float, float]]] = {
    "wait": (1, 3600),
}
"""Bounds of the seconds cosen waits for a Dask cluster to be ready
(``COSEN_DASK_WAIT``, :func:`cosen.scenarios.runner.dask_wait`)."""
