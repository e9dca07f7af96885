"""Name the constraints that make a request impossible, in the user's words.

A deletion filter over the user's hard constraints (capacities, must-have, pinned and
excluded items, alternatives, theme shares, deadlines): drop each one in turn and keep it out
if the rest is still infeasible. What remains is a minimal conflicting set: relaxing any one
of them resolves this conflict. Whole groups are tried first, so large backlogs need few
solves; the largest groups first, so the set named tends to be the small one (a must-have
bigger than the capacity, not five pins that fill it). A request can hold several conflicts:
the message says which single relaxations make a plan possible, and when none does.
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
    for members in sorted(groups.values(), key=len, reverse=True):
        trial = [label for label in keep if label not in members]
        if not _feasible(lp, trial, per_solve):
            keep = trial
    for label in list(keep):
        trial = [other for other in keep if other != label]
        if not _feasible(lp, trial, per_solve):
            keep = trial
    return keep


def enough_alone(
    problem: ReleaseProblem, conflict: list[str], *, time_limit: float = 10.0
) -> list[str]:
    """The members of ``conflict`` whose relaxation alone makes the whole request possible
    (none when the request holds another conflict as well)."""
    lp = build_model(problem)
    labels = lp.relaxable_labels()
    per_solve = max(1.0, time_limit / max(1, len(conflict)))
    return [c for c in conflict if _feasible(lp, [x for x in labels if x != c], per_solve)]


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
    enough = enough_alone(problem, conflict, time_limit=time_limit)
    if len(enough) == len(conflict):
        message += ". Relax any one of them (drop a must-have or pin, or add capacity)."
    elif enough:
        message += (
            f". Relaxing {' or '.join(enough)} makes a plan possible; relaxing any other one of "
            "them still leaves another conflict."
        )
    else:
        message += (
            ". Relaxing one of them is not enough: other constraints conflict as well (plan "
            "again after relaxing one to see the next conflict)."
        )
    raise InfeasibleError(message)
