"""Stored workflow definitions (versioned), custom attributes and lookup tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import TimeStampedModel


class RecordType(models.TextChoices):
    LEAD = "lead", _("Leads")
    OPPORTUNITY = "opportunity", _("Opportunities")


class AttributeOwner(models.TextChoices):
    """Record types that may carry custom attributes."""

    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")
    LEAD = "lead", _("Leads")
    OPPORTUNITY = "opportunity", _("Opportunities")


class Pipeline(TimeStampedModel):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default for its record type"), default=False)
    live_version = models.ForeignKey("PipelineVersion", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["record_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["record_type"], condition=Q(is_default=True),
                                    name="one_default_pipeline_per_record_type"),
        ]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class PipelineVersion(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Live")
        RETIRED = "retired", _("Replaced")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["pipeline", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "number"], name="unique_version_number"),
            models.UniqueConstraint(fields=["pipeline"], condition=Q(state="draft"),
                                    name="one_draft_per_pipeline"),
        ]
        verbose_name = _("pipeline version")
        verbose_name_plural = _("pipeline versions")

    def __str__(self) -> str:
        return f"{self.pipeline.key} v{self.number} ({self.state})"


class CustomAttribute(models.Model):
    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Money")
        DATE = "date", _("Date")
        DATETIME = "datetime", _("Date and time")
        BOOL = "bool", _("Yes/no")
        CHOICE = "choice", _("Choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        USER = "user", _("User")
        CONTACT = "contact", _("Contact")
        ACCOUNT = "account", _("Account")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        URL = "url", _("Web address")

    record_type = models.CharField(_("record type"), max_length=20,
                                   choices=AttributeOwner.choices)
    key = models.SlugField(_("key"), max_length=60)
    labels = models.JSONField(_("labels"), default=dict,
                              help_text=_("Label per language code, e.g. {\"en\": \"Budget\"}."))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    lookup = models.CharField(_("lookup table"), max_length=60, blank=True)
    help = models.JSONField(_("help text"), default=dict, blank=True)
    required_on_create = models.BooleanField(_("required when created"), default=False)
    shown_in_lists = models.BooleanField(_("shown in lists"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["record_type", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "key"], name="unique_attribute_key"),
        ]
        verbose_name = _("custom attribute")
        verbose_name_plural = _("custom attributes")

    def __str__(self) -> str:
        return self.label("en")

    def label(self, language: str) -> str:
        return str(self.labels.get(language) or self.labels.get("en") or self.key)


class LookupValue(models.Model):
    """One value of a lookup table; tables are kept apart for leads and for opportunities."""

    class Table(models.TextChoices):
        SOURCE = "source", _("Source")
        CATEGORY = "category", _("Category")
        PRIORITY = "priority", _("Priority")
        PROCEDURE = "procedure", _("Procedure")
        CONTACT_ROLE = "contact_role", _("Contact role")
        LOST_REASON = "lost_reason", _("Lost reason")
        STAGE_GROUP = "stage_group", _("Stage group")

    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    table = models.CharField(_("table"), max_length=60)
    key = models.SlugField(_("key"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    labels = models.JSONField(_("labels per language"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["record_type", "table", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["record_type", "table", "key"],
                                    name="unique_lookup_value"),
        ]
        verbose_name = _("lookup value")
        verbose_name_plural = _("lookup values")

    def __str__(self) -> str:
        return self.label
