"""The REST API: one NinjaAPI with a router per area, mounted at /api/ with routes under /v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from stageflow.api import (
    accounts,
    activities,
    auth,
    automation,
    billing,
    communications,
    contacts,
    imports,
    intake,
    jobs,
    people,
    pipelines,
    qualification,
    queues,
    quotes,
    recruitment,
    reports,
    sales,
    scheduling,
    timeline,
    training,
    wizards,
    workspace,
)
from stageflow.api.errors import install_error_handlers
from stageflow.api.security import API_AUTH

api = NinjaAPI(
    title="Stageflow API",
    version="1",
    description="Leads, opportunities and the workflow that moves them. "
    "Authenticate with `Authorization: Bearer <token>` (see POST /api/v1/auth/token) "
    "or the browser session.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/v1/", auth.router)
api.add_router("/v1/", people.router)
api.add_router("/v1/", pipelines.router)
api.add_router("/v1/leads", sales.leads_router)
api.add_router("/v1/opportunities", sales.opportunities_router)
api.add_router("/v1/", activities.router)
api.add_router("/v1/", automation.router)
api.add_router("/v1/", recruitment.router)
api.add_router("/v1/accounts", accounts.router)
api.add_router("/v1/contacts", contacts.router)
api.add_router("/v1/", communications.router)
api.add_router("/v1/", quotes.router)
api.add_router("/v1/", scheduling.router)
api.add_router("/v1/", billing.router)
api.add_router("/v1/", training.router)
api.add_router("/v1/", queues.router)
api.add_router("/v1/", qualification.router)
api.add_router("/v1/", jobs.router)
api.add_router("/v1/", workspace.router)
api.add_router("/v1/", timeline.router)
api.add_router("/v1/", wizards.router)
api.add_router("/v1/reports", reports.router)
api.add_router("/v1/", imports.router)
api.add_router("/v1/", intake.router)
