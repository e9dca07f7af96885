"""Name the constraints that make a request impossible, in the user's words.

A deletion filter over the user's hard constraints (capacities, must-have, pinned and
excluded items, alternatives, theme shares, deadlines): drop each one in turn and keep it out
if the rest is still infeasible. What remains is a minimal conflicting set: relaxing any one
of them resolves this conflict. Whole groups are tried first, so large backlogs need few
solves; the largest groups first, so the set named tends to be the small one (a must-have
bigger than the capacity, not five pins that fill it). A request can hold several conflicts:
the message says which single relaxations make a plan possible, and when none does.

For each capacity in the conflict, the message lists the pinned and must-have items of the
conflict (and their prerequisites) that draw on that capacity, with the points each draws:
a pinned platform item whose prerequisite is mobile work loads the mobile capacity with the
prerequisite's points only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NoReturn

from roadwise.engines.release.model import LinearProgram, build_model, format_points
from roadwise.engines.release.problem import ReleaseProblem, prerequisite_closure
from roadwise.engines.release.solvers import solve
from roadwise.errors import InfeasibleError

_CAPACITY_GROUPS = ("capacity", "team capacity", "skill capacity")


@dataclass(frozen=True)
class Conflict:
    """A minimal set of the user's constraints that cannot all hold together."""

    constraints: tuple[str, ...]
    """The constraints, as labelled in the model ("team web capacity (40 points)")."""
    pinned: tuple[str, ...]
    """The pinned items among them."""
    must: tuple[str, ...]
    """The must-have items among them."""
    capacities: tuple[str, ...]
    """The capacities among them."""
    others: tuple[str, ...]
    """The rest: neither a capacity nor a pinned or must-have item (a deadline, a theme
    share, an exclusion, alternatives)."""
    loads: tuple[str, ...]
    """For each capacity among them, the pinned and must-have items (and prerequisites) that
    certainly draw on it, with their points: "team mobile capacity (10 points): KW-2546 (9.7
    points, pinned), KW-1289 (4.5 points, a prerequisite of pinned KW-2632); 14.2 points in
    all, 4.2 over"."""

    @property
    def message(self) -> str:
        text = "no plan meets all of these constraints together: " + "; ".join(self.constraints)
        if self.loads:
            text += ". " + ". ".join(self.loads)
        return text


class ConstraintConflictError(InfeasibleError):
    """An infeasible request, with the conflict named (see :class:`Conflict`)."""

    def __init__(self, message: str, conflict: Conflict) -> None:
        self.conflict = conflict
        super().__init__(message)


def _feasible(lp: LinearProgram, labels: list[str], time_limit: float) -> bool:
    trial = lp.keeping(set(labels)).with_objective([0.0] * len(lp.variables))
    return solve(trial, time_limit=time_limit).status != "infeasible"


def find_conflict(
    problem: ReleaseProblem, *, lp: LinearProgram | None = None, time_limit: float = 10.0
) -> list[str]:
    """A minimal set of the user's constraints that cannot all hold (empty if they can).

    ``lp`` is the model of ``problem`` when a caller adds rows of its own (they are kept in
    every trial, as they are not the user's to relax)."""
    lp = lp if lp is not None else build_model(problem)
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
    problem: ReleaseProblem,
    conflict: list[str],
    *,
    lp: LinearProgram | None = None,
    time_limit: float = 10.0,
) -> list[str]:
    """The members of ``conflict`` whose relaxation alone makes the whole request possible
    (none when the request holds another conflict as well)."""
    lp = lp if lp is not None else build_model(problem)
    labels = lp.relaxable_labels()
    per_solve = max(1.0, time_limit / max(1, len(conflict)))
    return [c for c in conflict if _feasible(lp, [x for x in labels if x != c], per_solve)]


def _held(problem: ReleaseProblem, lp: LinearProgram, conflict: list[str]) -> dict[str, str]:
    """The pinned and must-have items of the conflict, each with how it is held there."""
    labels = set(conflict)
    held: dict[str, str] = {}
    for c in lp.constraints:
        if c.label not in labels:
            continue
        if c.group == "must-have":
            held[c.label.removeprefix("must-have ")] = "must-have"
    for key, release in problem.pins.items():
        if f"{key} pinned to release {release}" in labels:
            held[key] = "pinned"
    return held


def _loads(problem: ReleaseProblem, lp: LinearProgram, conflict: list[str]) -> list[str]:
    held = _held(problem, lp, conflict)
    index = {rel.key: r for r, rel in enumerate(problem.releases)}
    # The release each item certainly ships in: a pinned item in its release, a must-have in
    # the only release there is, and what either needs in the first release (nothing earlier).
    # Elsewhere an item may ship in one of several releases, which no capacity can be charged.
    certain: dict[str, int] = {}
    needed_by: dict[str, list[str]] = defaultdict(list)
    for key, how in sorted(held.items()):
        r = index[problem.pins[key]] if how == "pinned" else 0
        if how == "must-have" and len(problem.releases) > 1:
            continue
        certain[key] = r
        if r == 0:
            for pre in prerequisite_closure(problem, key):
                certain.setdefault(pre, 0)
                needed_by[pre].append(key)
    var_of = {var: key for (key, r), var in lp.item_var.items() if certain.get(key) == r}
    lines: list[str] = []
    seen: set[str] = set()
    for c in lp.constraints:
        if c.label not in conflict or c.group not in _CAPACITY_GROUPS or c.label in seen:
            continue
        seen.add(c.label)
        drawn = sorted(
            ((var_of[var], points) for var, points in c.terms if var in var_of and points > 0),
            key=lambda kv: (-kv[1], kv[0]),
        )
        if not drawn:
            continue
        parts = []
        for key, points in drawn:
            if key in held:
                role = held[key]
            else:
                role = "a prerequisite of " + " and ".join(
                    f"{held[k]} {k}" for k in sorted(needed_by[key])
                )
            parts.append(f"{key} ({format_points(points)} points, {role})")
        line = f"{c.label}: {', '.join(parts)}"
        total = sum(points for _, points in drawn)
        if len(drawn) > 1:
            line += f"; {format_points(total)} points in all"
        if total > c.upper + 1e-9:
            line += f"{',' if len(drawn) > 1 else ';'} {format_points(total - c.upper)} over"
        lines.append(line)
    return lines


def name_conflict(
    problem: ReleaseProblem, *, lp: LinearProgram | None = None, time_limit: float = 10.0
) -> Conflict | None:
    """The conflict that makes ``problem`` infeasible, in the user's words (None: there is
    none, or none could be named)."""
    lp = lp if lp is not None else build_model(problem)
    conflict = find_conflict(problem, lp=lp, time_limit=time_limit)
    if not conflict:
        return None
    held = _held(problem, lp, conflict)
    groups: dict[str, str] = {}
    for c in lp.constraints:
        if c.relaxable:
            # the first row of a label: the implied customer row repeats the total capacity's
            groups.setdefault(c.label, c.group)
    capacities = tuple(c for c in conflict if groups[c] in _CAPACITY_GROUPS)
    return Conflict(
        constraints=tuple(conflict),
        pinned=tuple(sorted(k for k, how in held.items() if how == "pinned")),
        must=tuple(sorted(k for k, how in held.items() if how == "must-have")),
        capacities=capacities,
        others=tuple(
            c for c in conflict if c not in capacities and groups[c] not in ("pinned", "must-have")
        ),
        loads=tuple(_loads(problem, lp, conflict)),
    )


def raise_infeasible(
    problem: ReleaseProblem, *, lp: LinearProgram | None = None, time_limit: float = 10.0
) -> NoReturn:
    lp = lp if lp is not None else build_model(problem)
    conflict = name_conflict(problem, lp=lp, time_limit=time_limit)
    if conflict is None:
        raise InfeasibleError("no plan meets every constraint (the conflict could not be named)")
    message = conflict.message
    labels = list(conflict.constraints)
    enough = enough_alone(problem, labels, lp=lp, time_limit=time_limit)
    if len(enough) == len(labels):
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
    raise ConstraintConflictError(message, conflict)
