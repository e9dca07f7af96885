"""The TAWOS project histories the forecasting benchmarks replay."""

from __future__ import annotations

from pathlib import Path


def project_files(data: Path, projects: list[str] | None = None) -> list[Path]:
    """The projects' CSV files under ``data`` (only ``projects`` when given), by name."""
    files = sorted((data / "tawosi2022_sp_vs_effort" / "rq2_rq3").glob("*.csv"))
    if projects:
        files = [f for f in files if f.stem in set(projects)]
    return files
