"""The CP-SAT model: the formulation of ``formulation.py``, solved exactly.

Structure (after PyJobShop's OR-Tools backend): :class:`Variables` creates
one variable per column, :class:`Constraints` adds the rows family by family
in the formulation's order, :class:`Objective` holds the three tiers, and
:class:`CpSatModel` solves the tiers in turn, each stage fixing the previous
tier at its optimum. Variables exist only for compatible pairs: a request
has at most an on-time and a late entry into its class's chains, and a
class has an option variable only for the slots and visits its requests may
take.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from cosen.optimizer.flow import flow_tiers
from cosen.optimizer.formulation import Formulation
from cosen.optimizer.result import Status, Tiers

__all__ = ["CpSatModel", "StageResult"]

# CP-SAT workers on few cores. The model is a network with side
# constraints: a fully linearised LP worker proves it quickly, while the
# default two-worker portfolio has no such worker.
_PORTFOLIO = ("max_lp", "core", "quick_restart", "reduced_costs", "default_lp")


class Variables:
    """One variable per column: Boolean when its capacity is 1."""

    def __init__(self, model: cp_model.CpModel, form: Formulation) -> None:
        network = form.network
        self.by_arc: dict[int, cp_model.IntVar] = {
            arc: (
                model.new_bool_var(network.name(arc))
                if network.caps[arc] == 1
                else model.new_int_var(0, network.caps[arc], network.name(arc))
            )
            for arc in form.columns
        }

    def __getitem__(self, arc: int) -> cp_model.IntVar:
        return self.by_arc[arc]


class Constraints:
    """Adds the formulation's rows; cliques become ``add_at_most_one``."""

    def __init__(
        self, model: cp_model.CpModel, form: Formulation, variables: Variables
    ) -> None:
        for row in form.rows:
            terms = [variables[c] for c in row.columns]
            if row.is_at_most_one and all(
                form.network.caps[c] == 1 for c in row.columns
            ):
                model.add_at_most_one(terms)
                continue
            expression = sum(
                k * v for k, v in zip(row.coefficients, terms, strict=True)
            )
            if row.lower == row.upper:
                model.add(expression == row.lower)
            else:
                model.add_linear_constraint(expression, row.lower, row.upper)


class Objective:
    """The three tiers as linear expressions, with their sense."""

    def __init__(self, form: Formulation, variables: Variables) -> None:
        self.tiers: list[tuple[cp_model.LinearExprT, bool]] = [
            (sum(k * variables[a] for a, k in terms.items()), maximise)
            for terms, maximise in form.tiers
        ]


@dataclass
class StageResult:
    """What the lexicographic solve reached.

    Attributes
    ----------
    status
        OPTIMAL if every tier was proven, else FEASIBLE.
    flows
        Arc flows of the best solution, in the network's arc order.
    bound
        Lexicographic bound: the proven optimum of the tiers solved, and
        the best bound known for the tier where time ran out.
    """

    status: Status
    flows: list[int]
    bound: Tiers


class CpSatModel:
    """CP-SAT model of a network with visits (see the module docstring)."""

    def __init__(self, form: Formulation) -> None:
        self.form = form
        self.model = cp_model.CpModel()
        self.variables = Variables(self.model, form)
        Constraints(self.model, form, self.variables)
        self.objective = Objective(form, self.variables)

    def warmstart(self, flows: Sequence[int]) -> None:
        """Hint a solution given as arc flows (clearing earlier hints)."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for arc, variable in self.variables.by_arc.items():
            self.model.add_hint(variable, flows[arc])

    def solve(
        self,
        time_limit: float,
        start: Sequence[int],
        bound: Tiers,
        seed: int = 0,
        workers: int = 2,
    ) -> StageResult:
        """Solve tiers 1, 2 and 3 in turn within ``time_limit`` seconds.

        Parameters
        ----------
        time_limit
            Wall-clock seconds for all stages.
        start
            Arc flows of a feasible solution: the first hint, and the
            answer if nothing better is found in time.
        bound
            A lexicographic bound (from a relaxation). The leading tiers on
            which ``start`` reaches it are proven and fixed; the first other
            tier starts from it as a bound.
        seed, workers
            CP-SAT's random seed and number of workers.
        """
        deadline = time.monotonic() + time_limit
        network = self.form.network
        best = list(start)
        reached = flow_tiers(network, best)
        stages = self.objective.tiers
        proven = 0
        while proven < 3 and _value(reached, proven) == _value(bound, proven):
            self.model.add(stages[proven][0] == _value(bound, proven))
            proven += 1
        if proven < 3:
            expression, maximise = stages[proven]
            limit = _value(bound, proven)
            self.model.add(
                expression <= limit if maximise else expression >= limit
            )
        self.warmstart(best)
        while proven < 3:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            expression, maximise = stages[proven]
            if maximise:
                self.model.maximize(expression)
            else:
                self.model.minimize(expression)
            solver = _solver(remaining, seed, workers)
            status = solver.solve(self.model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
            flows = self.form.complete(
                {
                    a: int(solver.value(v))
                    for a, v in self.variables.by_arc.items()
                }
            )
            found = flow_tiers(network, flows)
            if found.key() < reached.key():
                best, reached = flows, found
            if status != cp_model.OPTIMAL:
                bound = bound.tightened(
                    proven, round(solver.best_objective_bound)
                )
                break
            value = round(solver.objective_value)
            bound = bound.tightened(proven, value)
            self.model.add(expression == value)
            self.warmstart(best)
            proven += 1
        return StageResult(
            Status.OPTIMAL if proven == 3 else Status.FEASIBLE, best, bound
        )


def _solver(time_limit: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.max_time_in_seconds = time_limit
    parameters.random_seed = seed
    parameters.num_workers = workers
    if workers == 1:
        parameters.linearization_level = 2
    elif workers < len(_PORTFOLIO):
        parameters.subsolvers.extend(_PORTFOLIO[:workers])
    return solver


def _value(tiers: Tiers, stage: int) -> int:
    return (tiers.booked, tiers.late, tiers.late_minutes)[stage]
