"""Scheduling: the CP-SAT core, the list-scheduling baseline, and the roadmap built on them."""

from roadwise.engines.schedule.cpsat import SolveOptions, evaluate, solve
from roadwise.engines.schedule.listsched import list_schedule, priority_order
from roadwise.engines.schedule.problem import (
    Milestone,
    Mode,
    Placement,
    Precedence,
    Problem,
    Resource,
    Solution,
    Task,
)
from roadwise.engines.schedule.psplib import PsplibInstance, parse_sm

__all__ = [
    "Milestone",
    "Mode",
    "Placement",
    "Precedence",
    "Problem",
    "PsplibInstance",
    "Resource",
    "Solution",
    "SolveOptions",
    "Task",
    "evaluate",
    "list_schedule",
    "parse_sm",
    "priority_order",
    "solve",
]
