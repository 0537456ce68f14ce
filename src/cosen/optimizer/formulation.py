"""The network as linear rows: one definition, read by CP-SAT and the LP.

A column is a network arc that carries a decision. A row is one linear
constraint over columns. The constraint families are built by one method
each, in this order:

1. :meth:`Formulation.book_once`: a request group enters its chains at
   most once per member;
2. :meth:`Formulation.conservation`: what enters a chain or point node
   leaves it;
3. :meth:`Formulation.slot_capacity`: a slot node hosts at most as many
   options as it has slots, a visit counting on every node it uses (the
   one-trip rule, which a plain flow cannot express).

Book, visit-slot and slot arcs need no column: their flow is the sum of the
group's entries, the visit's option, and the node's options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cosen.optimizer.network import ArcKind, Network

__all__ = ["Formulation", "Row"]

_ENTRY = frozenset({ArcKind.ON_TIME, ArcKind.LATE})
_CHAIN = frozenset(
    {ArcKind.EARLIER, ArcKind.LATER, ArcKind.EXIT_ON_TIME, ArcKind.EXIT_LATE}
)
_COLUMN_KINDS = _ENTRY | _CHAIN | {ArcKind.OPTION}


@dataclass(frozen=True)
class Row:
    """``lower <= sum(coefficient * column) <= upper``."""

    columns: tuple[int, ...]
    coefficients: tuple[int, ...]
    lower: int
    upper: int
    family: str

    @property
    def is_at_most_one(self) -> bool:
        """All coefficients 1 and at most 1 in total (a clique)."""
        return self.upper == 1 and all(c == 1 for c in self.coefficients)


@dataclass
class Formulation:
    """Columns, rows and objective tiers of a network.

    Attributes
    ----------
    network
        The network formulated.
    every_capacity
        Give every slot node its capacity row, even when its options
        cannot overfill it (for an LP that will gain columns).
    columns
        Arcs carrying a decision, each bounded by ``network.caps``.
    rows
        The constraints, family by family.
    tiers
        For tiers 1-3: (column coefficients, maximise).
    node_rows
        Network vertex -> its conservation or capacity row.
    """

    network: Network
    every_capacity: bool = False
    columns: list[int] = field(init=False)
    rows: list[Row] = field(default_factory=list)
    tiers: list[tuple[dict[int, int], bool]] = field(init=False)
    node_rows: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = self.network.kinds
        self.columns = [a for a, k in enumerate(kinds) if k in _COLUMN_KINDS]
        self.book_once()
        self.conservation()
        self.slot_capacity()
        entries = [
            a
            for groups in self.network.groups
            for group in groups
            for a in group.entries
        ]
        minutes = self.network.minutes
        self.tiers = [
            ({a: 1 for a in entries}, True),
            ({a: 1 for a in entries if self.network.late[a]}, False),
            ({a: minutes[a] for a in self.columns if minutes[a]}, False),
        ]

    def _add(
        self,
        family: str,
        columns: Sequence[int],
        coefficients: Sequence[int],
        lower: int,
        upper: int,
    ) -> int:
        self.rows.append(
            Row(tuple(columns), tuple(coefficients), lower, upper, family)
        )
        return len(self.rows) - 1

    def book_once(self) -> None:
        caps = self.network.caps
        for groups in self.network.groups:
            for group in groups:
                arcs = group.entries
                if sum(caps[a] for a in arcs) > caps[group.book]:
                    self._add(
                        "book_once", arcs, [1] * len(arcs), 0,
                        caps[group.book],
                    )  # fmt: skip

    def conservation(self) -> None:
        network = self.network
        balance: dict[int, dict[int, int]] = {}
        for arc, kind in enumerate(network.kinds):
            if kind in _ENTRY or kind in _CHAIN:
                balance.setdefault(network.heads[arc], {})[arc] = 1
            if kind in _CHAIN or kind is ArcKind.OPTION:
                balance.setdefault(network.tails[arc], {})[arc] = -1
        # A node with no inflow arc at all must still send nothing out.
        for node, terms in balance.items():
            self.node_rows[node] = self._add(
                "conservation", list(terms), list(terms.values()), 0, 0
            )

    def slot_capacity(self) -> None:
        network = self.network
        users: dict[int, list[int]] = {v: [] for v in network.slot_vertices}
        for arc, kind in enumerate(network.kinds):
            if kind is ArcKind.OPTION and arc not in network.visit_slot_arcs:
                users[network.heads[arc]].append(arc)
        for option_arc, slot_arcs in network.visit_slot_arcs.items():
            for arc in slot_arcs:
                users[network.heads[arc]].append(option_arc)
        capacity = {
            network.tails[arc]: network.caps[arc] for arc in network.slot_arcs
        }
        for vertex, arcs in users.items():
            if self.every_capacity or (
                sum(network.caps[a] for a in arcs) > capacity[vertex]
            ):
                self.node_rows[vertex] = self._add(
                    "slot_capacity", arcs, [1] * len(arcs), 0,
                    capacity[vertex],
                )  # fmt: skip

    def complete(self, values: dict[int, int]) -> list[int]:
        """Flows of every arc from the columns' values."""
        network = self.network
        flows = [0] * network.arc_count
        for arc, value in values.items():
            flows[arc] = value
        for option_arc, slot_arcs in network.visit_slot_arcs.items():
            for arc in slot_arcs:
                flows[arc] = flows[option_arc]
        for groups in network.groups:
            for group in groups:
                flows[group.book] = sum(flows[a] for a in group.entries)
        return flows
