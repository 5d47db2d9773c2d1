"""The reports Stageflow ships; importing this module registers each of them in `REPORTS`."""

from stageflow.reports import activity, outcomes, stages

__all__ = ["activity", "outcomes", "stages"]
