"""The end-to-end demo: build the sample product, then run every engine over it.

Each capability adds one :class:`DemoStep` to :data:`STEPS`. A step reads what earlier steps
left in the context (``ctx.results``), prints a short summary and writes its outputs into
``ctx.out_dir``. The demo is a view: all the work happens in the engines it calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from roadwise.domain import Workspace


@dataclass
class DemoContext:
    out_dir: Path
    db_url: str
    console: Console
    seed: int = 7
    workspace: Workspace | None = None
    results: dict[str, Any] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ws(self) -> Workspace:
        if self.workspace is None:
            raise RuntimeError("the sample workspace has not been built yet")
        return self.workspace


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], None]


STEPS: list[DemoStep] = []


def step(name: str) -> Callable[[Callable[[DemoContext], None]], Callable[[DemoContext], None]]:
    """Register a demo step (in the order the modules are imported by :func:`load_steps`)."""

    def register(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        STEPS.append(DemoStep(name, func))
        return func

    return register


def load_steps() -> list[DemoStep]:
    """Import every capability's demo steps, in pipeline order."""
    # The order here is the order of the pipeline: sources -> workspace -> engines -> views.
    import roadwise.views.demo_steps  # noqa: F401

    return STEPS


def run_demo(ctx: DemoContext) -> DemoContext:
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    for demo_step in load_steps():
        ctx.console.rule(Text(demo_step.name, style="bold"))
        started = time.perf_counter()
        demo_step.run(ctx)
        ctx.timings[demo_step.name] = time.perf_counter() - started
    return ctx
