"""PSPLIB single-mode RCPSP instances (``.sm``): parsed into the scheduling :class:`Problem`.

The parser takes the file's text (the caller reads the file), so it stays a pure function.
Layout: see the PSPLIB README; sections are found by their headings rather than by fixed
line numbers, so files with extra blank lines still parse.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadwise.engines.schedule.problem import Mode, Precedence, Problem, Resource, Task
from roadwise.errors import ValidationError


@dataclass(frozen=True)
class PsplibInstance:
    name: str
    durations: tuple[int, ...]
    demands: tuple[tuple[int, ...], ...]
    successors: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]

    @property
    def jobs(self) -> int:
        return len(self.durations)

    def to_problem(self) -> Problem:
        """Jobs become tasks (one mode, one piece); job numbers are 1-based in the file."""
        resources = tuple(Resource(f"R{k + 1}", (c,)) for k, c in enumerate(self.capacities))
        tasks = tuple(
            Task(
                key=str(j + 1),
                modes=(
                    Mode(
                        label="job",
                        pieces=(d,),
                        demands=tuple((k, u) for k, u in enumerate(self.demands[j]) if u > 0),
                    ),
                ),
            )
            for j, d in enumerate(self.durations)
        )
        precedences = tuple(
            Precedence(before=j, after=s - 1)
            for j, succ in enumerate(self.successors)
            for s in succ
        )
        return Problem(
            tasks=tasks,
            resources=resources,
            precedences=precedences,
            horizon=sum(self.durations),
        )


def _fail(name: str, line: int | None, message: str) -> ValidationError:
    return ValidationError(message, file=name, line=line)


def parse_sm(text: str, name: str = "instance.sm") -> PsplibInstance:
    """Parse a single-mode PSPLIB file. Raises :class:`ValidationError` naming the line."""
    lines = text.splitlines()

    def find(prefix: str) -> int:
        for index, line in enumerate(lines):
            if line.strip().upper().startswith(prefix):
                return index
        raise _fail(name, None, f"section '{prefix}' not found; is this a PSPLIB .sm file?")

    def ints(index: int) -> list[int]:
        try:
            return [int(v) for v in lines[index].split()]
        except ValueError:
            raise _fail(name, index + 1, "expected whitespace-separated integers") from None

    jobs_line = find("JOBS (INCL. SUPERSOURCE/SINK")
    try:
        jobs = int(lines[jobs_line].split(":", 1)[1])
    except (IndexError, ValueError):
        raise _fail(name, jobs_line + 1, "expected 'jobs ... : <number>'") from None

    prec = find("PRECEDENCE RELATIONS") + 2
    successors: list[tuple[int, ...]] = []
    for offset in range(jobs):
        row = ints(prec + offset)
        if len(row) < 3 or row[0] != offset + 1 or len(row) != 3 + row[2]:
            raise _fail(
                name,
                prec + offset + 1,
                f"expected 'job modes count successors...' for job {offset + 1}",
            )
        if row[1] != 1:
            raise _fail(name, prec + offset + 1, "only single-mode instances are supported")
        for s in row[3:]:
            if not 1 <= s <= jobs:
                raise _fail(name, prec + offset + 1, f"successor {s} is not a job of this file")
        successors.append(tuple(row[3:]))

    req = find("REQUESTS/DURATIONS") + 3
    durations: list[int] = []
    demands: list[tuple[int, ...]] = []
    for offset in range(jobs):
        row = ints(req + offset)
        if len(row) < 4 or row[0] != offset + 1:
            raise _fail(
                name,
                req + offset + 1,
                f"expected 'job mode duration demands...' for job {offset + 1}",
            )
        if row[2] < 0 or any(u < 0 for u in row[3:]):
            raise _fail(name, req + offset + 1, "durations and demands must not be negative")
        durations.append(row[2])
        demands.append(tuple(row[3:]))

    avail = find("RESOURCEAVAILABILITIES") + 2
    capacities = tuple(ints(avail))
    if not capacities or any(len(d) != len(capacities) for d in demands):
        raise _fail(name, avail + 1, "the number of capacities must match the demand columns")
    for j, d in enumerate(demands):
        for k, units in enumerate(d):
            if units > capacities[k]:
                raise _fail(
                    name,
                    req + j + 1,
                    f"job {j + 1} needs {units} of R{k + 1}, over its capacity {capacities[k]}",
                )
    return PsplibInstance(
        name=name,
        durations=tuple(durations),
        demands=tuple(demands),
        successors=tuple(successors),
        capacities=capacities,
    )
