"""/api/v1/workspace: the business's own details and workspace-wide defaults."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from stageflow.api.common import caller
from stageflow.communications.services import workspace_settings_save
from stageflow.core import workspace
from stageflow.core.models import Via, WorkspaceSettings

router = Router(tags=["workspace"])


class WorkspaceOut(Schema):
    company_name: str
    company_email: str
    company_phone: str
    company_address: str
    company_website: str
    office_email: str
    terms: str
    default_language: str
    default_currency: str
    days_out: int
    select_new_estimate: bool
    sub_account_name_template: str
    registration_number: str
    activity_defaults: dict[str, dict[str, Any]]
    locked_settings: list[str]


class WorkspaceIn(Schema):
    company_name: str | None = None
    company_email: str | None = None
    company_phone: str | None = None
    company_address: str | None = None
    company_website: str | None = None
    office_email: str | None = None
    terms: str | None = None
    default_language: str | None = None
    default_currency: str | None = None
    days_out: int | None = None
    select_new_estimate: bool | None = None
    sub_account_name_template: str | None = None
    registration_number: str | None = None
    activity_defaults: dict[str, Any] | None = None
    locked_settings: list[str] | None = None


@router.get("/workspace", response=WorkspaceOut, operation_id="get_workspace")
def get_workspace(request: HttpRequest) -> WorkspaceSettings:
    return workspace.current()


@router.patch("/workspace", response=WorkspaceOut, operation_id="update_workspace")
def update_workspace(request: HttpRequest, payload: WorkspaceIn) -> WorkspaceSettings:
    """Change company details and defaults (workspace managers only). Settings named in
    `locked_settings` are changed, and the list itself is set, by the system owner only."""
    return workspace_settings_save(actor=caller(request), via=Via.API,
                                   values=payload.model_dump(exclude_unset=True))
