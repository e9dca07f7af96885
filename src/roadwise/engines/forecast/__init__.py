"""Forecasting: Monte Carlo delivery dates from a team's own history, with measured calibration.

* :mod:`.simulate`: the vectorised core (whole trial matrices, blocks of weeks, mixed windows).
* :mod:`.throughput`: "when will N be done?" and "how many by this date?" for a team.
* :mod:`.estimates`: estimate-based forecasts with the team's estimate bias.
* :mod:`.roadmap`: the planned roadmap under uncertainty (deadlines, critical path).
* :mod:`.objectives`: a workspace's roadmap run (:func:`simulate_workspace`, for the reports, the
  web app, the CLI and the demo) and every objective's, deliverable's and team's dates from it
  (the one source of the dates the reports and the web app show).
* :mod:`.backtest`: walk-forward backtests, hit rates, pinball loss, conformal calibration.
* :mod:`.explain`: why a date moved between two forecasts.
"""

from roadwise.engines.forecast.backtest import (
    LEVELS,
    BacktestResult,
    BacktestSummary,
    Calibration,
    backtest,
)
from roadwise.engines.forecast.calendar import WorkCalendar, team_calendar
from roadwise.engines.forecast.estimates import (
    EstimateBias,
    estimate_bias,
    forecast_estimated_when,
    sample_sizes,
)
from roadwise.engines.forecast.explain import DateMove, ForecastSnapshot, explain_move
from roadwise.engines.forecast.objectives import (
    DeliveryDate,
    DeliveryForecast,
    HistoryWindow,
    QueueOrder,
    WorkspaceRoadmap,
    forecast_delivery,
    simulate_workspace,
)
from roadwise.engines.forecast.roadmap import (
    RoadmapForecast,
    RoadmapItem,
    TeamFlow,
    simulate_roadmap,
)
from roadwise.engines.forecast.simulate import TEXTBOOK, Sampling, simulate_weeks
from roadwise.engines.forecast.throughput import (
    PERCENTILES,
    ForecastOptions,
    HowManyForecast,
    MeasuredCalibration,
    TeamCalibration,
    WhenForecast,
    forecast_how_many,
    forecast_when,
    measure,
    team_calibration,
)

__all__ = [
    "LEVELS",
    "PERCENTILES",
    "TEXTBOOK",
    "BacktestResult",
    "BacktestSummary",
    "Calibration",
    "DateMove",
    "DeliveryDate",
    "DeliveryForecast",
    "EstimateBias",
    "ForecastOptions",
    "ForecastSnapshot",
    "HistoryWindow",
    "HowManyForecast",
    "MeasuredCalibration",
    "QueueOrder",
    "RoadmapForecast",
    "RoadmapItem",
    "Sampling",
    "TeamCalibration",
    "TeamFlow",
    "WhenForecast",
    "WorkCalendar",
    "WorkspaceRoadmap",
    "backtest",
    "estimate_bias",
    "explain_move",
    "forecast_delivery",
    "forecast_estimated_when",
    "forecast_how_many",
    "forecast_when",
    "measure",
    "sample_sizes",
    "simulate_roadmap",
    "simulate_weeks",
    "simulate_workspace",
    "team_calendar",
    "team_calibration",
]
