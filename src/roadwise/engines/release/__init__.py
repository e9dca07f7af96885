"""Release selection: the provably best set of items that fits (the Next Release Problem).

``release_problem(ws, scores, options)`` turns a workspace into a :class:`ReleaseProblem`;
``plan_release(problem)`` solves it exactly (HiGHS by default, CP-SAT for comparison) and puts
the greedy rank-and-fill choice beside it; ``why_out``, ``capacity_gains``, ``drop_to_fit`` and
``pareto_front`` answer the follow-up questions by re-solving the same model with one change;
``find_conflict`` and ``name_conflict`` name the constraints that make a request impossible.
"""

from roadwise.engines.release.explain import (
    CapacityGain,
    DropToFit,
    OutReason,
    ParetoPoint,
    capacity_gains,
    drop_to_fit,
    pareto_front,
    why_out,
)
from roadwise.engines.release.greedy import greedy_selection
from roadwise.engines.release.infeasible import (
    Conflict,
    ConstraintConflictError,
    find_conflict,
    name_conflict,
)
from roadwise.engines.release.model import Constraint, LinearProgram, build_model
from roadwise.engines.release.nrp import NrpInstance, budget_for, nrp_problem, parse_nrp
from roadwise.engines.release.plan import ReleasePlan, plan_release
from roadwise.engines.release.problem import (
    Candidate,
    CustomerDemand,
    ReleaseProblem,
    ReleaseSlot,
    ThemeBound,
    deadline_out_of_reach,
    prerequisite_closure,
)
from roadwise.engines.release.selection import ReleaseContent, Selection, evaluate, violations
from roadwise.engines.release.solvers import Solution, solve
from roadwise.engines.release.workspace import (
    ReleaseOptions,
    WorkspaceProblem,
    fallback_value,
    release_problem,
    team_capacity,
    window_capacity,
    working_days,
)

__all__ = [
    "Candidate",
    "CapacityGain",
    "Conflict",
    "Constraint",
    "ConstraintConflictError",
    "CustomerDemand",
    "DropToFit",
    "LinearProgram",
    "NrpInstance",
    "OutReason",
    "ParetoPoint",
    "ReleaseContent",
    "ReleaseOptions",
    "ReleasePlan",
    "ReleaseProblem",
    "ReleaseSlot",
    "Selection",
    "Solution",
    "ThemeBound",
    "WorkspaceProblem",
    "budget_for",
    "build_model",
    "capacity_gains",
    "deadline_out_of_reach",
    "drop_to_fit",
    "evaluate",
    "fallback_value",
    "find_conflict",
    "greedy_selection",
    "name_conflict",
    "nrp_problem",
    "pareto_front",
    "parse_nrp",
    "plan_release",
    "prerequisite_closure",
    "release_problem",
    "solve",
    "team_capacity",
    "violations",
    "why_out",
    "window_capacity",
    "working_days",
]
