"""The jobs API: handing a won opportunity over as a job (see DESIGN.md)."""

from ninja import Router

router = Router()
