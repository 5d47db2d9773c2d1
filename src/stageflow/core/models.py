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
    AUTOMATION = "automation", _("Automation")


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


class WorkspaceSettings(models.Model):
    """The business itself: what templates call `company`, and workspace-wide defaults.

    One row (pk 1); read it with `core.workspace.current()`.
    """

    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    company_email = models.EmailField(_("company email"), blank=True)
    company_phone = models.CharField(_("company phone"), max_length=40, blank=True)
    company_address = models.TextField(_("company address"), blank=True, max_length=1000)
    company_website = models.URLField(_("company website"), blank=True)
    office_email = models.EmailField(
        _("office email"), blank=True,
        help_text=_("Where messages addressed to “the office” go, such as quote acceptances."))
    terms = models.TextField(_("terms and conditions"), blank=True, max_length=50000)
    default_language = models.CharField(_("default language"), max_length=10, default="en")
    default_currency = models.CharField(_("default currency"), max_length=3, default="EUR")
    days_out = models.PositiveSmallIntegerField(
        _("days out"), default=3,
        help_text=_("New appointments are proposed this many days after today."))
    select_new_estimate = models.BooleanField(
        _("select a new estimate automatically"), default=True)
    sub_account_name_template = models.CharField(
        _("job name template"), max_length=200, blank=True,
        help_text=_("How the job (sub-account) created on a sale is named, such as "
                    "“{last_name} - {product}”. Left empty, the name is typed each time."))
    registration_number = models.CharField(
        _("registration number"), max_length=60, blank=True,
        help_text=_("The business's licence or registration number, as printed on documents."))
    # Per activity kind: the subject proposed, how long it lasts and when to remind before it
    # ({"call": {"subject": "Follow-up call", "duration_minutes": 15,
    # "remind_minutes_before": 30}}); applied when an activity is created without them.
    activity_defaults = models.JSONField(_("activity defaults"), default=dict, blank=True)
    # Set by the system owner (a superuser): settings an administrator of the workspace may see
    # but not change, such as a regulated registration number.
    locked_settings = models.JSONField(_("locked settings"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("workspace settings")
        verbose_name_plural = _("workspace settings")

    def __str__(self) -> str:
        return self.company_name or str(_("Workspace settings"))
