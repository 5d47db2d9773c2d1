"""/api/v1/reports (see stageflow.reports)."""

from ninja import Router

router = Router(tags=["reports"])
