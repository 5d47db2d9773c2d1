"""The quotes API (see DESIGN.md for resource names)."""

from ninja import Router

router = Router()
