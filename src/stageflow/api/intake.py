"""/api/v1/intake (see stageflow.intake)."""

from ninja import Router

router = Router(tags=["intake"])
