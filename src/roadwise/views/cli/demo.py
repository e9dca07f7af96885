"""``roadwise demo``: the end-to-end pipeline on the sample product."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.text import Text

from roadwise.views.cli import app
from roadwise.views.cli._common import console, handles_errors
from roadwise.views.demo import DemoContext, run_demo


@app.command()
@handles_errors
def demo(
    out_dir: Path = typer.Argument(Path("roadwise-demo"), help="Folder for the demo's outputs."),
    seed: int = typer.Option(7, help="Seed of the sample product."),
) -> None:
    """Build the sample product and run every engine over it, writing outputs into OUT_DIR."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_path = out_dir / "roadwise.db"
    if db_path.exists():
        db_path.unlink()
    ctx = DemoContext(out_dir=out_dir, db_url=str(db_path), console=console, seed=seed)
    run_demo(ctx)
    console.rule(Text("Done", style="bold"))
    for path in ctx.outputs:
        console.print(f"  wrote {path}")
    console.print(
        "Time per step: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in ctx.timings.items()),
        highlight=False,
    )
    console.print(
        f"Demo finished in {time.perf_counter() - started:.1f} s. "
        f"Workspace: {db_path} (use --db {db_path} with any roadwise command)."
    )
