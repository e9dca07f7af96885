"""Demo steps, one module per capability, imported in pipeline order."""

# The import order is the pipeline order: keep it, do not sort.
# isort: off
from roadwise.views.demo_steps import workspace  # noqa: F401  (sample product, storage, files)
from roadwise.views.demo_steps import estimate  # noqa: F401  (sizes from finished work)
from roadwise.views.demo_steps import prioritize  # noqa: F401  (ranking with uncertainty)
from roadwise.views.demo_steps import release  # noqa: F401  (release selection)
from roadwise.views.demo_steps import schedule  # noqa: F401  (roadmap, capacity)
from roadwise.views.demo_steps import forecast  # noqa: F401  (forecasts with calibration)
from roadwise.views.demo_steps import feedback  # noqa: F401  (customer feedback)
from roadwise.views.demo_steps import integrations  # noqa: F401  (Jira, GitHub, Linear)
from roadwise.views.demo_steps import reports  # noqa: F401  (stakeholder reports; keep last)
from roadwise.views.demo_steps import web  # noqa: F401  (prints how to open the web app)
