"""Base models and the history every business record writes to."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Via(models.TextChoices):
    """The interface through which a change was made."""

    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    IMPORT = "import", _("Import")
    SYSTEM = "system", _("System")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A record edited by people: every change bumps `version` for optimistic locking."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class HistoryEntry(models.Model):
    """One change to one business record: who, when, through what, and each field old → new."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        DELETED = "deleted", _("Deleted")
        LINKED = "linked", _("Linked")
        UNLINKED = "unlinked", _("Unlinked")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    record_label = models.CharField(max_length=300)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")

    def __str__(self) -> str:
        return f"{self.record_label}: {self.get_action_display()}"
