"""``roadwise plan …``: release selection and roadmap scheduling share this command group."""

from __future__ import annotations

import typer

from roadwise.views.cli import app

plan_app = typer.Typer(help="Plan a release (what fits) or a roadmap (who builds what, when).")
app.add_typer(plan_app, name="plan")
