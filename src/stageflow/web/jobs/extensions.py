"""Tabs and navigation entries of this area (see stageflow.web.extensions)."""
