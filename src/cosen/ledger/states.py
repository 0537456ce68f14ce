"""A referral's life in the ledger: its states and the answers that move it.

``pending`` -> ``booked`` (a run) -> ``confirmed`` (an answer); ``refuse``
puts a booked referral back to ``pending`` and never offers it that slot
again; ``annule`` (withdrawn), ``absent`` (no-show) and ``realise`` (done)
close it. Closed is final. :data:`TRANSITIONS` is the one table of what
each answer needs and does, read by the answers import and the desk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from cosen.parsing import CellError, normalize_key

__all__ = [
    "ANSWER_WORDS",
    "STATE_TEXT",
    "TRANSITIONS",
    "AnswerKind",
    "Outcome",
    "State",
    "Transition",
    "answer_kind",
]


class State(enum.StrEnum):
    """Where a referral is."""

    PENDING = "pending"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CLOSED = "closed"


class Outcome(enum.StrEnum):
    """How a closed referral ended."""

    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    DONE = "done"


class AnswerKind(enum.StrEnum):
    """What a patient or centre said about a booked referral."""

    CONFIRMED = "confirme"
    DECLINED = "refuse"
    CANCELLED = "annule"
    NO_SHOW = "absent"
    DONE = "realise"


@dataclass(frozen=True)
class Transition:
    """What an answer needs and does.

    Attributes
    ----------
    allowed
        States the referral may be in.
    to
        The state it moves to.
    outcome
        How it ends, for answers that close it.
    releases
        Whether its booked slots are released for others.
    needs_start
        Whether the appointment must have started (a no-show or a done
        exam cannot be told before it: the slot would be lost to others).
    """

    allowed: frozenset[State]
    to: State
    outcome: Outcome | None = None
    releases: bool = False
    needs_start: bool = False


_HELD: Final = frozenset({State.BOOKED, State.CONFIRMED})

TRANSITIONS: Final = {
    AnswerKind.CONFIRMED: Transition(
        frozenset({State.BOOKED}), State.CONFIRMED
    ),
    AnswerKind.DECLINED: Transition(_HELD, State.PENDING, releases=True),
    AnswerKind.CANCELLED: Transition(
        _HELD | {State.PENDING}, State.CLOSED, Outcome.CANCELLED, True
    ),
    AnswerKind.NO_SHOW: Transition(
        _HELD, State.CLOSED, Outcome.NO_SHOW, needs_start=True
    ),
    AnswerKind.DONE: Transition(
        _HELD, State.CLOSED, Outcome.DONE, needs_start=True
    ),
}

ANSWER_WORDS: Final = {
    **{kind.value: kind for kind in AnswerKind},
    "confirmed": AnswerKind.CONFIRMED,
    "declined": AnswerKind.DECLINED,
    "refused": AnswerKind.DECLINED,
    "cancelled": AnswerKind.CANCELLED,
    "noshow": AnswerKind.NO_SHOW,
    "done": AnswerKind.DONE,
}
"""Words accepted in an answers file (folded by
:func:`~cosen.parsing.normalize_key`), French first."""

STATE_TEXT: Final = {
    State.PENDING: "en attente d'un créneau",
    State.BOOKED: "attribuée, non confirmée",
    State.CONFIRMED: "confirmée",
    State.CLOSED: "close",
}
"""How a state reads in a French sentence (« une demande ... »)."""


def answer_kind(text: str) -> AnswerKind:
    """Read an answer cell.

    Raises
    ------
    CellError
        When the word is not an answer.
    """
    kind = ANSWER_WORDS.get(normalize_key(text))
    if kind is None:
        raise CellError(
            "réponse attendue : confirme, refuse, annule, absent ou realise"
        )
    return kind
