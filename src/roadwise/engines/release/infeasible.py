"""Name the constraints that make a request impossible, in the user's words.

A deletion filter over the user's hard constraints (capacities, must-have, pinned and
excluded items, alternatives, theme shares, deadlines): drop each one in turn and keep it out
if the rest is still infeasible. What remains is a minimal conflicting set: relaxing any one
of them makes a plan possible. Whole groups are tried first, so large backlogs need few solves.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NoReturn

from roadwise.engines.release.model import LinearProgram, build_model, format_points
from roadwise.engines.release.problem import ReleaseProblem, prerequisite_closure
from roadwise.engines.release.solvers import solve
from roadwise.errors import InfeasibleError


def _feasible(lp: LinearProgram, labels: list[str], time_limit: float) -> bool:
    trial = lp.keeping(set(labels)).with_objective([0.0] * len(lp.variables))
    return solve(trial, time_limit=time_limit).status != "infeasible"


def find_conflict(problem: ReleaseProblem, *, time_limit: float = 10.0) -> list[str]:
    """A minimal set of the user's constraints that cannot all hold (empty if they can)."""
    lp = build_model(problem)
    labels = lp.relaxable_labels()
    per_solve = max(1.0, time_limit / max(1, len(labels)))
    if _feasible(lp, labels, per_solve):
        return []
    groups: dict[str, list[str]] = defaultdict(list)
    for c in lp.constraints:
        if c.relaxable and c.label not in groups[c.group]:
            groups[c.group].append(c.label)
    keep = list(labels)
    for members in groups.values():
        trial = [label for label in keep if label not in members]
        if not _feasible(lp, trial, per_solve):
            keep = trial
    for label in list(keep):
        trial = [other for other in keep if other != label]
        if not _feasible(lp, trial, per_solve):
            keep = trial
    return keep


def raise_infeasible(problem: ReleaseProblem, *, time_limit: float = 10.0) -> NoReturn:
    conflict = find_conflict(problem, time_limit=time_limit)
    if not conflict:
        raise InfeasibleError("no plan meets every constraint (the conflict could not be named)")
    by_key = problem.by_key
    details = []
    for key in sorted(set(problem.must) | set(problem.pins)):
        if any(key in label.split() for label in conflict):
            needs = prerequisite_closure(problem, key)
            size = by_key[key].size + sum(by_key[p].size for p in needs)
            team = f", team {by_key[key].team}" if by_key[key].team else ""
            with_pre = f" with prerequisites {', '.join(needs)}" if needs else ""
            details.append(f"{key}{with_pre} needs {format_points(size)} points{team}")
    message = "no plan meets all of these constraints together: " + "; ".join(conflict)
    if details:
        message += ". " + "; ".join(details)
    message += ". Relax any one of them (drop a must-have or pin, or add capacity)."
    raise InfeasibleError(message)
