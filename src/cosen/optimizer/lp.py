"""The formulation's LP relaxation, solved tier by tier with GLOP.

Networks with a few side constraints often have integral LP optima. The LP
is solved lexicographically: maximise tier 1, fix it, minimise tier 2, fix
it, minimise tier 3. Each stage's value bounds every integral solution that
reaches the previous stages' values. So if the last stage's LP solution is
integral, it reaches every bound: it is proven optimal for tiers 1 to 3,
without any branching. Otherwise the LP's values still bound the optimum
and CP-SAT takes over.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from cosen.optimizer.formulation import Formulation
from cosen.optimizer.result import Tiers

__all__ = ["LpResult", "rounded_visits", "solve_lp"]

_TOLERANCE = 1e-6


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
    """

    flows: list[int] | None
    values: dict[int, float] | None
    bound: Tiers


def solve_lp(form: Formulation, bound: Tiers, time_limit: float) -> LpResult:
    """Solve the LP relaxation stage by stage within ``time_limit``.

    ``bound`` is a lexicographic bound known beforehand (tiers it proves
    are fixed from the start); the result's bound is at least as tight.
    """
    deadline = time.monotonic() + time_limit
    solver = pywraplp.Solver.CreateSolver("GLOP")
    # Without preprocessing GLOP keeps its basis from stage to stage (three
    # times faster here) and tends to stop on integral vertices.
    solver.SetSolverSpecificParametersAsString("use_preprocessing: false")
    network = form.network
    columns = {
        arc: solver.NumVar(0, network.caps[arc], network.names[arc])
        for arc in form.columns
    }
    for row in form.rows:
        constraint = solver.Constraint(row.lower, row.upper)
        for column, coefficient in zip(
            row.columns, row.coefficients, strict=True
        ):
            constraint.SetCoefficient(columns[column], coefficient)
    for stage, (terms, maximise) in enumerate(form.tiers):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return LpResult(None, None, bound)
        solver.SetTimeLimit(max(1, int(remaining * 1000)))
        objective = solver.Objective()
        objective.Clear()
        for arc, coefficient in terms.items():
            objective.SetCoefficient(columns[arc], coefficient)
        objective.SetOptimizationDirection(maximise)
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return LpResult(None, None, bound)
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
            return LpResult(None, None, bound)
        if stage == len(form.tiers) - 1:
            break
        pinned = solver.Constraint(round(value), round(value))
        for arc, coefficient in terms.items():
            pinned.SetCoefficient(columns[arc], coefficient)
    # Read before any change: GLOP forgets its solution when the model does.
    values = {arc: column.solution_value() for arc, column in columns.items()}
    if any(abs(v - round(v)) > _TOLERANCE for v in values.values()):
        return LpResult(None, values, bound)
    flows = form.complete({arc: round(v) for arc, v in values.items()})
    return LpResult(flows, values, bound)


def rounded_visits(
    form: Formulation, values: dict[int, float]
) -> dict[int, int]:
    """Visits to force when repairing a fractional LP solution.

    Each visit option keeps the integral part of its LP value; fractional
    parts are then rounded up, largest first, while every slot node of the
    visit has room left.
    """
    network = form.network
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
