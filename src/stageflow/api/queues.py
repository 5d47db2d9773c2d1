"""The queues API (see DESIGN.md for resource names)."""

from ninja import Router

router = Router()
