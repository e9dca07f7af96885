"""Errors a user can act on.

Every error Roadwise raises for bad input is a :class:`RoadwiseError`. Views print its
message without a traceback; the message says where the problem is (file, line or row,
field) and what was expected.
"""

from __future__ import annotations


class RoadwiseError(Exception):
    """A problem the user can fix: bad input, a missing workspace, an infeasible request."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ValidationError(RoadwiseError):
    """The workspace breaks one of its rules (unique keys, no dependency cycle, ...)."""


class ConflictError(RoadwiseError):
    """A write was based on a stale version of a record (optimistic concurrency)."""


class InfeasibleError(RoadwiseError):
    """A planning request cannot be satisfied; the message names the conflicting constraints."""
