"""/api/v1/imports (see stageflow.imports)."""

from ninja import Router

router = Router(tags=["imports"])
