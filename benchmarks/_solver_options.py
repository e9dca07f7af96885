"""The ``--solver-option NAME=VALUE`` argument the release benchmarks share.

``nrp.py`` and ``release_scale.py`` both let a comparison run pass extra HiGHS options or CP-SAT
parameters; the argument and its reading live here once so the two stay the same.
"""

from __future__ import annotations

import argparse

from roadwise.engines.release.solvers import parse_solver_options


def add_solver_option_argument(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--solver-option NAME=VALUE`` argument to ``parser``."""
    parser.add_argument(
        "--solver-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra solver setting (HiGHS option or CP-SAT parameter), for comparison",
    )


def solver_options(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> dict[str, bool | int | float | str]:
    """The parsed ``--solver-option`` settings; a malformed one ends the run with usage."""
    try:
        return parse_solver_options(args.solver_option)
    except ValueError as error:
        parser.error(str(error))
