"""Linear relaxations solved with GLOP, their columns generated on demand.

Two LPs, both within a deadline (GLOP's own time limit: never a call
that cannot stop):

- the *booking LP* (tier 1 only): each class sends at most its size to its
  options, each slot node hosts at most its capacity. Every member of a
  class reaches every option of the class, so time plays no part in tier 1
  and the LP needs no chains: it is small, quick, and its optimum bounds
  tier 1. Its visits guide a repair (``flow.py``).
- the *lexicographic LP* of ``formulation.py``, solved tier by tier:
  maximise tier 1, fix it, minimise tier 2, fix it, minimise tier 3. Each
  stage's value bounds every integral solution that reaches the previous
  stages' values. If the last stage's solution is integral, it reaches
  every bound: it is proven optimal for tiers 1 to 3, without branching.
  GLOP runs without preprocessing so the basis carries over between
  stages and between rounds of columns (three times faster here).

Columns: a network need not hold every option of its catalogue (all
single slots, one visit per class and first slot node, say). After each
solve every missing option is priced with the duals (the row of its class
or of the node it leaves from, the capacity rows of its slot nodes); the
improving ones get an arc and a column and the LP is solved again, until
none improves. The optimum over the columns is then the optimum over
every option, and so is the bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from cosen.optimizer.formulation import Formulation
from cosen.optimizer.network import Network, Option
from cosen.optimizer.result import Tiers

__all__ = [
    "BookingLp",
    "LpResult",
    "OptionPool",
    "rounded_visits",
    "solve_booking_lp",
    "solve_lp",
]

_TOLERANCE: Final = 1e-6
# Reduced costs beyond this improve the LP (GLOP's are exact to ~1e-9).
_PRICE: Final = 1e-7
# Columns added per round: enough to converge in a few rounds, few
# enough that each solve stays quick.
_ROUND: Final = 4000


class OptionPool:
    """Every option of a network's catalogue, as arrays for pricing.

    Attributes
    ----------
    keys
        (class number, option), class by class, options by start.
    classes, points
        Class number and point index of each option.
    nodes
        Slot nodes of each option, padded with -1.
    """

    def __init__(self, network: Network) -> None:
        catalog = network.catalog
        self.keys: list[tuple[int, Option]] = [
            (number, option)
            for number, klass in enumerate(catalog.classes)
            for option in klass.options
        ]
        width = max((len(o) for _, o in self.keys), default=1)
        self.classes = np.array([c for c, _ in self.keys], dtype=np.int64)
        starts = np.array(
            [node.first.start for node in catalog.nodes], dtype=np.int64
        )
        self.nodes = np.full((len(self.keys), width), -1, dtype=np.int64)
        for length in range(1, width + 1):
            rows = [
                i for i, (_, o) in enumerate(self.keys) if len(o) == length
            ]
            if rows:
                self.nodes[rows, :length] = [self.keys[i][1] for i in rows]
        self.points = np.zeros(len(self.keys), dtype=np.int64)
        for number, klass in enumerate(catalog.classes):
            mine = np.flatnonzero(self.classes == number)
            self.points[mine] = np.searchsorted(
                np.array(klass.times, dtype=np.int64),
                starts[self.nodes[mine, 0]],
            )

    def among(self, arcs: Sequence[dict[Option, int]]) -> np.ndarray:
        """Which options have an arc in these (class -> option -> arc)."""
        return np.array([o in arcs[c] for c, o in self.keys], dtype=bool)

    def price(
        self,
        base: np.ndarray,
        node_duals: np.ndarray,
        skip: np.ndarray,
        maximise: bool,
    ) -> list[int]:
        """Options worth adding, most improving first.

        ``base`` is each option's cost minus the dual term of its class or
        point row; ``node_duals`` the capacity rows' duals by slot node;
        ``skip`` marks options that are already columns.
        """
        padded = np.append(node_duals, 0.0)
        reduced = base - padded[self.nodes].sum(axis=1)
        if maximise:
            reduced = -reduced
        reduced[skip] = 0.0
        better = np.flatnonzero(reduced < -_PRICE)
        order = better[np.argsort(reduced[better], kind="stable")]
        return [int(i) for i in order[:_ROUND]]


@dataclass
class BookingLp:
    """The booking LP's outcome.

    Attributes
    ----------
    booked
        Its optimum rounded down (a bound on tier 1), or ``None`` when
        time ran out first.
    values
        Units on the option arcs of the network.
    """

    booked: int | None
    values: dict[int, float]


def solve_booking_lp(
    network: Network, deadline: float, pool: OptionPool | None = None
) -> BookingLp:
    """Maximise bookings, slot capacities and class sizes only.

    With a ``pool``, options of the catalogue missing from the network are
    added while they improve the LP; without, the LP and its bound are over
    the network's options only.
    """
    catalog = network.catalog
    class_count = len(catalog.classes)
    bounds = [(0, len(k.requests)) for k in catalog.classes] + [
        (0, node.capacity) for node in catalog.nodes
    ]
    columns: list[int] = []
    entries: list[tuple[list[int], list[float], float]] = []
    for number, arcs in enumerate(network.option_arcs):
        for option, arc in arcs.items():
            columns.append(arc)
            entries.append(_booking_column(number, option, class_count))
    caps = network.caps
    solver = _load(bounds, [caps[a] for a in columns], entries, True)
    constraints = solver.constraints()
    in_lp = None if pool is None else pool.among(network.option_arcs)
    while True:
        if not _solve(solver, deadline):
            return BookingLp(None, {})
        if pool is None or in_lp is None:
            break
        duals = np.array([c.dual_value() for c in constraints])
        base = 1.0 - duals[pool.classes]
        added = pool.price(base, duals[class_count:], in_lp, True)
        if not added:
            break
        for index in added:
            number, option = pool.keys[index]
            arc = network.add_option(number, option)
            in_lp[index] = True
            columns.append(arc)
            _add_column(
                solver, constraints, caps[arc],
                *_booking_column(number, option, class_count),
            )  # fmt: skip
    value = solver.Objective().Value()
    variables = solver.variables()
    return BookingLp(
        math.floor(value + _TOLERANCE),
        {arc: variables[j].solution_value() for j, arc in enumerate(columns)},
    )


def _booking_column(
    number: int, option: Option, class_count: int
) -> tuple[list[int], list[float], float]:
    rows = [number, *(class_count + n for n in option)]
    return rows, [1.0] * len(rows), 1.0


@dataclass
class LpResult:
    """The lexicographic LP's outcome.

    Attributes
    ----------
    flows
        Arc flows of an integral optimum, or ``None``.
    values
        The last LP solution's column values (fractional or not), when the
        three stages were solved; ``None`` otherwise.
    bound
        Valid lexicographic bound (for the stages the LP finished; the
        others are left as given).
    solved
        How many stages were solved.
    """

    flows: list[int] | None
    values: dict[int, float] | None
    bound: Tiers
    solved: int


def solve_lp(
    form: Formulation,
    bound: Tiers,
    deadline: float,
    pool: OptionPool | None = None,
) -> LpResult:
    """Solve the LP relaxation stage by stage before ``deadline``.

    ``bound`` is a lexicographic bound known beforehand; the result's bound
    is at least as tight. With a ``pool``, options of the catalogue missing
    from the network are added as columns while they improve a stage (the
    formulation needs ``every_capacity``); without, the LP is over the
    network's options only, and so is its bound.
    """
    network = form.network
    bounds = [(row.lower, row.upper) for row in form.rows]
    columns = list(form.columns)
    position = {arc: j for j, arc in enumerate(columns)}
    entries: list[tuple[list[int], list[float], float]] = [
        ([], [], 0.0) for _ in columns
    ]
    for r, row in enumerate(form.rows):
        for column, coefficient in zip(
            row.columns, row.coefficients, strict=True
        ):
            rows, coefficients, _ = entries[position[column]]
            rows.append(r)
            coefficients.append(coefficient)
    caps = network.caps
    solver = _load(bounds, [caps[a] for a in columns], entries, True)
    variables = list(solver.variables())
    constraints = list(solver.constraints())
    pricing = None if pool is None else _Pricing(form, pool)
    tiers = [(dict(terms), maximise) for terms, maximise in form.tiers]
    for stage, (terms, maximise) in enumerate(tiers):
        objective = solver.Objective()
        objective.Clear()
        objective.SetOptimizationDirection(maximise)
        for arc, coefficient in terms.items():
            objective.SetCoefficient(variables[position[arc]], coefficient)
        while True:
            if not _solve(solver, deadline):
                return LpResult(None, None, bound, stage)
            if pricing is None:
                break
            added = pricing.improving(constraints, stage, maximise)
            if not added:
                break
            for number, option in added:
                arc = network.add_option(number, option)
                position[arc] = len(columns)
                columns.append(arc)
                variables.append(
                    _add_column(
                        solver, constraints, caps[arc], *pricing.column(arc)
                    )
                )
                if network.minutes[arc]:
                    # Options cost minutes in tier 3 only.
                    tiers[2][0][arc] = network.minutes[arc]
                    if stage == 2:
                        objective.SetCoefficient(
                            variables[-1], network.minutes[arc]
                        )
        value = objective.Value()
        # The integral optimum is at most the LP's (maximising tier 1) or
        # at least it (minimising tiers 2 and 3).
        rounded = (
            math.floor(value + _TOLERANCE)
            if maximise
            else math.ceil(value - _TOLERANCE)
        )
        bound = bound.tightened(stage, rounded)
        if abs(value - round(value)) > _TOLERANCE:
            return LpResult(None, None, bound, stage + 1)
        if stage == len(form.tiers) - 1:
            break
        pinned = solver.Constraint(round(value), round(value))
        constraints.append(pinned)
        for arc, coefficient in terms.items():
            pinned.SetCoefficient(variables[position[arc]], coefficient)
    # Read before any change: GLOP forgets its solution when the model does.
    values = {
        arc: variables[j].solution_value() for j, arc in enumerate(columns)
    }
    solved = len(form.tiers)
    if any(abs(v - round(v)) > _TOLERANCE for v in values.values()):
        return LpResult(None, values, bound, solved)
    flows = form.complete({arc: round(v) for arc, v in values.items()})
    return LpResult(flows, values, bound, solved)


class _Pricing:
    """Prices the pool's options against the lexicographic LP's duals."""

    def __init__(self, form: Formulation, pool: OptionPool) -> None:
        network = form.network
        self.form = form
        self.pool = pool
        feeds = [
            [form.node_rows[node] for node, _ in chains.feeds]
            for chains in network.class_arcs
        ]
        minutes = [
            [cost for _, cost in chains.feeds] for chains in network.class_arcs
        ]
        self.feed_rows = np.array(
            [feeds[c][p] for c, p in zip(pool.classes, pool.points,
                                         strict=True)],
            dtype=np.int64,
        )  # fmt: skip
        self.minutes = np.array(
            [minutes[c][p] for c, p in zip(pool.classes, pool.points,
                                           strict=True)],
            dtype=np.float64,
        )  # fmt: skip
        self.node_rows = np.array(
            [form.node_rows[v] for v in network.slot_vertices],
            dtype=np.int64,
        )
        columns = frozenset(form.columns)
        self.in_lp = pool.among(
            [
                {o: a for o, a in arcs.items() if a in columns}
                for arcs in network.option_arcs
            ]
        )

    def improving(
        self,
        constraints: Sequence[pywraplp.Constraint],
        stage: int,
        maximise: bool,
    ) -> list[tuple[int, Option]]:
        duals = np.array([c.dual_value() for c in constraints])
        # An option's column: -1 in its point's row, +1 in the capacity
        # row of each of its slot nodes, its minutes in tier 3.
        base = duals[self.feed_rows] + (self.minutes if stage == 2 else 0.0)
        added = self.pool.price(
            base, duals[self.node_rows], self.in_lp, maximise
        )
        self.in_lp[added] = True
        return [self.pool.keys[i] for i in added]

    def column(self, arc: int) -> tuple[list[int], list[float], float]:
        network = self.form.network
        rows = [self.form.node_rows[network.tails[arc]]]
        coefficients = [-1.0]
        slot_arcs = network.visit_slot_arcs.get(arc)
        heads = (
            [network.heads[a] for a in slot_arcs]
            if slot_arcs
            else [network.heads[arc]]
        )
        rows += [self.form.node_rows[v] for v in heads]
        coefficients += [1.0] * len(heads)
        return rows, coefficients, 0.0


def _load(
    bounds: Sequence[tuple[float, float]],
    uppers: Sequence[float],
    columns: Sequence[tuple[list[int], list[float], float]],
    maximise: bool,
) -> pywraplp.Solver:
    """A GLOP solver over these rows and columns, built in one go."""
    model = linear_solver_pb2.MPModelProto()
    model.maximize = maximise
    row_columns: list[list[int]] = [[] for _ in bounds]
    row_coefficients: list[list[float]] = [[] for _ in bounds]
    for j, (upper, (rows, coefficients, cost)) in enumerate(
        zip(uppers, columns, strict=True)
    ):
        variable = model.variable.add()
        variable.lower_bound = 0.0
        variable.upper_bound = upper
        variable.objective_coefficient = cost
        for row, coefficient in zip(rows, coefficients, strict=True):
            row_columns[row].append(j)
            row_coefficients[row].append(coefficient)
    for (lower, upper), indices, coefficients in zip(
        bounds, row_columns, row_coefficients, strict=True
    ):
        constraint = model.constraint.add()
        constraint.lower_bound = lower
        constraint.upper_bound = upper
        constraint.var_index.extend(indices)
        constraint.coefficient.extend(coefficients)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    # Without preprocessing GLOP keeps its basis from solve to solve and
    # tends to stop on integral vertices.
    solver.SetSolverSpecificParametersAsString("use_preprocessing: false")
    error = solver.LoadModelFromProto(model)
    if error:
        raise RuntimeError(f"LP model rejected: {error}")
    return solver


def _add_column(
    solver: pywraplp.Solver,
    constraints: Sequence[pywraplp.Constraint],
    upper: float,
    rows: list[int],
    coefficients: list[float],
    cost: float,
) -> pywraplp.Variable:
    variable = solver.NumVar(0.0, upper, "")
    for row, coefficient in zip(rows, coefficients, strict=True):
        constraints[row].SetCoefficient(variable, coefficient)
    solver.Objective().SetCoefficient(variable, cost)
    return variable


def _solve(solver: pywraplp.Solver, deadline: float) -> bool:
    """Solve within the deadline; whether an optimum was found."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    solver.SetTimeLimit(max(1, int(remaining * 1000)))
    return bool(solver.Solve() == pywraplp.Solver.OPTIMAL)


def rounded_visits(
    network: Network, values: dict[int, float]
) -> dict[int, int]:
    """Visits to force when repairing a fractional LP solution.

    Each visit option keeps the integral part of its LP value; fractional
    parts are then rounded up, largest first, while every slot node of the
    visit has room left.
    """
    room = {network.tails[arc]: network.caps[arc] for arc in network.slot_arcs}
    units = {
        arc: math.floor(values.get(arc, 0.0) + _TOLERANCE)
        for arc in network.visit_slot_arcs
    }
    for arc, count in units.items():
        for used in network.visit_slot_arcs[arc]:
            room[network.heads[used]] -= count
    fractional = sorted(
        (
            arc
            for arc in units
            if values.get(arc, 0.0) - units[arc] > _TOLERANCE
        ),
        key=lambda arc: units[arc] - values[arc],
    )
    for arc in fractional:
        slots = [network.heads[used] for used in network.visit_slot_arcs[arc]]
        if all(room[slot] > 0 for slot in slots):
            units[arc] += 1
            for slot in slots:
                room[slot] -= 1
    return units
