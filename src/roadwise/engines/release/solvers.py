"""Back ends that solve a :class:`LinearProgram`: HiGHS (default) and OR-Tools CP-SAT.

HiGHS is the default because it was measured faster here: on the NRP benchmark it proves all
27 rows optimal, most in well under a second (median 0.25 s; the hardest, nrp2, in 14-16 s),
where a plain CP-SAT model finds good solutions but proves none within 30 s (see
``docs/benchmarks.md``). Both report the same
:class:`Solution`, including whether optimality was proven, and the bound and gap otherwise.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np

from roadwise.engines.release.model import LinearProgram

SolverName = Literal["highs", "cpsat"]


@dataclass(frozen=True)
class Solution:
    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    values: tuple[int, ...]
    objective: float
    bound: float
    seconds: float
    solver: str
    # solver work, comparable across loaded machines: branch-and-bound nodes (CP-SAT: branches)
    # and simplex iterations (HiGHS only)
    nodes: int = 0
    lp_iterations: int = 0

    @property
    def proven_optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def gap(self) -> float:
        """Relative gap between the best solution and the bound (0 when proven optimal)."""
        if self.status == "optimal":
            return 0.0
        if not self.feasible or not math.isfinite(self.bound):
            return math.inf
        return abs(self.bound - self.objective) / max(abs(self.objective), 1e-9)


def parse_solver_options(settings: Sequence[str]) -> dict[str, bool | int | float | str]:
    """``NAME=VALUE`` texts (as typed on a command line) as solver options for :func:`solve`.

    Values read as true/false, then a whole number, then a decimal, else they stay text.
    """
    options: dict[str, bool | int | float | str] = {}
    for setting in settings:
        name, equals, raw = setting.partition("=")
        if not name or not equals:
            raise ValueError(f"solver option '{setting}' is not NAME=VALUE")
        value: bool | int | float | str = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(raw)
                    break
                except ValueError:
                    pass
        options[name] = value
    return options


def solve(
    lp: LinearProgram,
    *,
    solver: SolverName = "highs",
    time_limit: float = 30.0,
    start: Sequence[int] | None = None,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> Solution:
    """Maximise ``lp``; ``start`` is a known feasible 0/1 assignment to begin from.

    ``options`` are extra solver settings (HiGHS option names, or CP-SAT parameter names), for
    measuring alternatives; the defaults are the measured best.
    """
    if not lp.variables and all(c.lower <= 0 <= c.upper for c in lp.constraints):
        # nothing to choose (e.g. every item was reduced away): HiGHS rejects an empty model
        return Solution("optimal", (), 0.0, 0.0, 0.0, solver)
    if solver == "highs":
        return _solve_highs(lp, time_limit, start, options or {})
    if solver == "cpsat":
        return _solve_cpsat(lp, time_limit, start, options or {})
    raise ValueError(f"unknown solver '{solver}' (expected highs or cpsat)")


def _solve_highs(
    lp: LinearProgram,
    time_limit: float,
    start: Sequence[int] | None,
    options: Mapping[str, bool | int | float | str],
) -> Solution:
    import highspy

    n, rows = len(lp.variables), lp.constraints
    inf = highspy.kHighsInf
    model = highspy.HighsLp()
    model.num_col_ = n
    model.num_row_ = len(rows)
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = np.asarray(lp.objective, dtype=float)
    model.col_lower_ = np.zeros(n)
    model.col_upper_ = np.ones(n)
    model.row_lower_ = np.array([max(c.lower, -inf) for c in rows], dtype=float)
    model.row_upper_ = np.array([min(c.upper, inf) for c in rows], dtype=float)
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(c.terms) for c in rows])
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = starts
    model.a_matrix_.index_ = np.array([i for c in rows for i, _ in c.terms], dtype=np.int32)
    model.a_matrix_.value_ = np.array([v for c in rows for _, v in c.terms], dtype=float)
    model.integrality_ = [highspy.HighsVarType.kInteger] * n

    with _quiet_stdout():  # HiGHS prints a banner to the C stdout when first constructed
        h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    # RINS (a sub-MIP around the LP point) costs more than it finds here: without it the NRP
    # benchmark's rows solved at the root prove optimality sooner (nrp2 at 0.7: 6.5 s -> 2.9 s,
    # nrp4 at 0.5: 9.9 s -> 8.6 s), the others are unchanged or, for one tree search (nrp2 at
    # 0.5), 3 s slower; the 5,000-item scale benchmark is unchanged (docs/benchmarks.md).
    h.setOptionValue("mip_heuristic_run_rins", False)
    # Cuts are still separated at the root, but not again at every node of the tree: on the
    # NRP benchmark's tree searches a node's cut round (mostly mod-k) costs more than the nodes
    # it saves (nrp2 at 0.3: 19.9 s -> 14.0 s, at 0.5: 26.9 s -> 15.6 s, in 7 % fewer nodes);
    # rows solved at the root and the 5,000-item scale benchmark are unchanged.
    h.setOptionValue("mip_allow_cut_separation_at_nodes", False)
    for name, value in options.items():
        h.setOptionValue(name, value)
    h.passModel(model)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = [float(v) for v in start]
        solution.value_valid = True
        h.setSolution(solution)
    began = time.perf_counter()
    if (
        h.run() == highspy.HighsStatus.kError
        and h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        # HiGHS keeps one thread scheduler per process, and refuses to run a model asking for
        # another thread count than whoever started it (another HiGHS user in the same Python
        # process, e.g. a notebook). Its own advice is to reset the scheduler and run again.
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
    seconds = time.perf_counter() - began

    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        kind: Literal["optimal", "feasible", "infeasible", "unknown"] = "optimal"
    elif status == highspy.HighsModelStatus.kInfeasible:
        kind = "infeasible"
    elif has_solution:
        kind = "feasible"
    else:
        kind = "unknown"
    if kind in ("optimal", "feasible"):
        values = tuple(round(v) for v in h.getSolution().col_value)
        objective = float(np.dot(lp.objective, values))
        bound = objective if kind == "optimal" else float(info.mip_dual_bound)
    else:
        values, objective, bound = (), -math.inf, math.inf
    return Solution(
        kind,
        values,
        objective,
        bound,
        seconds,
        "highs",
        nodes=int(info.mip_node_count),
        lp_iterations=int(info.simplex_iteration_count),
    )


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded use): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


# CP-SAT needs integer coefficients: values and sizes are scaled and rounded to this precision.
_CPSAT_SCALE = 1000


def _solve_cpsat(
    lp: LinearProgram,
    time_limit: float,
    start: Sequence[int] | None,
    options: Mapping[str, bool | int | float | str],
) -> Solution:
    from ortools.sat.python import cp_model

    def scale_row(values: list[float]) -> int:
        # rows whose coefficients are already whole numbers (NRP) are kept exact
        return 1 if all(float(v).is_integer() for v in values) else _CPSAT_SCALE

    model = cp_model.CpModel()
    x = [model.new_bool_var(name) for name in lp.variables]
    for row in lp.constraints:
        factor = scale_row(
            [v for _, v in row.terms] + [b for b in (row.lower, row.upper) if math.isfinite(b)]
        )
        expr = sum(round(v * factor) * x[i] for i, v in row.terms)
        if math.isfinite(row.lower):
            model.add(expr >= math.ceil(row.lower * factor - 1e-9))
        if math.isfinite(row.upper):
            model.add(expr <= math.floor(row.upper * factor + 1e-9))
    objective_factor = scale_row(list(lp.objective))
    model.maximize(sum(round(v * objective_factor) * x[i] for i, v in enumerate(lp.objective) if v))
    if start is not None:
        for var, value in zip(x, start, strict=True):
            model.add_hint(var, int(value))
    cp = cp_model.CpSolver()
    cp.parameters.max_time_in_seconds = float(time_limit)
    cp.parameters.num_workers = 2
    cp.parameters.random_seed = 0
    for name, setting in options.items():
        setattr(cp.parameters, name, setting)
    began = time.perf_counter()
    status = cp.solve(model)
    seconds = time.perf_counter() - began
    if status == cp_model.OPTIMAL:
        kind: Literal["optimal", "feasible", "infeasible", "unknown"] = "optimal"
    elif status == cp_model.FEASIBLE:
        kind = "feasible"
    elif status == cp_model.INFEASIBLE:
        kind = "infeasible"
    else:
        kind = "unknown"
    if kind in ("optimal", "feasible"):
        values = tuple(int(cp.value(v)) for v in x)
        objective = float(np.dot(lp.objective, values))
        bound = objective if kind == "optimal" else cp.best_objective_bound / objective_factor
    else:
        values, objective, bound = (), -math.inf, math.inf
    return Solution(kind, values, objective, bound, seconds, "cpsat", nodes=int(cp.num_branches))
