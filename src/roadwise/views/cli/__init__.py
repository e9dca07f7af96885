"""The ``roadwise`` command line (Typer + Rich).

Each feature lives in its own module and registers its commands here.
"""

from __future__ import annotations

import typer

from roadwise import __version__
from roadwise.views.cli._common import PlainUsageGroup

app = typer.Typer(
    name="roadwise",
    cls=PlainUsageGroup,
    help="Roadwise: prioritised, provably optimal, honestly forecast roadmaps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print the Roadwise version."""
    typer.echo(__version__)


def _register() -> None:
    # Feature modules register their commands on import, one line each, in help order.
    # isort: off
    from roadwise.views.cli import demo, plan, workspace  # noqa: F401
    from roadwise.views.cli import decisions  # noqa: F401  (the decision log)
    from roadwise.views.cli import estimate  # noqa: F401  (items estimate: sizes)
    from roadwise.views.cli import report  # noqa: F401  (stakeholder reports)
    from roadwise.views.cli import feedback  # noqa: F401  (customer feedback)
    from roadwise.views.cli import feedback_batch  # noqa: F401  (feedback batch, Dask)
    from roadwise.views.cli import prioritize  # noqa: F401  (prioritisation)
    from roadwise.views.cli import forecast  # noqa: F401  (Monte Carlo forecasts, backtests)
    from roadwise.views.cli import plan_release  # noqa: F401  (release selection)
    from roadwise.views.cli import roadmap  # noqa: F401  (roadmap, capacity, scenarios)
    from roadwise.views.cli import scenario_sweep  # noqa: F401  (scenario sweep, Dask)
    from roadwise.views.cli import web  # noqa: F401  (web app, accounts, API tokens)
    from roadwise.views.cli import integrations  # noqa: F401  (Jira, GitHub, Linear)
    # isort: on


_register()


def main() -> None:
    app()
