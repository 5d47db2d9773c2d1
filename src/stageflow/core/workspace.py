"""The workspace's own settings (company details, defaults), one row read through here."""

from __future__ import annotations

from stageflow.core.models import WorkspaceSettings


def current() -> WorkspaceSettings:
    settings, _created = WorkspaceSettings.objects.get_or_create(pk=1)
    return settings
