"""Demo steps, one module per capability, imported in pipeline order."""

from roadwise.views.demo_steps import workspace  # noqa: F401  (sample product, storage, files)
