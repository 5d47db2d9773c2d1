"""Automation rules (event → conditions → actions) and the log of every time one fired."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import VersionedModel
from stageflow.pipelines.models import Pipeline


class Rule(VersionedModel):
    """When `event` happens to a record of `record_type` and `conditions` hold, run `actions`.

    Rules written in a pipeline's file belong to that pipeline (`pipeline` set, `from_file`) and
    are replaced when a version of it is published; rules made on the Rules screen are not.
    """

    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    record_type = models.CharField(_("record type"), max_length=30)
    event = models.CharField(_("event"), max_length=80)
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="rules", verbose_name=_("pipeline"))
    from_file = models.BooleanField(_("from the pipeline file"), default=False)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    # Why the rule was switched off by the system (e.g. its stage was removed); empty when valid.
    problem = models.CharField(_("problem"), max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "key"], name="rule_key_per_pipeline"),
            models.UniqueConstraint(fields=["key"], condition=models.Q(pipeline=None),
                                    name="rule_key_unique_workspace_wide"),
        ]
        indexes = [models.Index(fields=["event", "active"])]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self) -> str:
        return self.name


class Firing(models.Model):
    """One run of a rule (or of a transition's triggers) for one record."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed, undone")
        STOPPED = "stopped", _("Stopped: chain too deep")

    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="firings")
    source = models.CharField(_("source"), max_length=120)
    name = models.CharField(_("rule"), max_length=200)
    event = models.CharField(_("event"), max_length=80)
    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.BigIntegerField(_("record"))
    # For timed rules: the moment the matching period began (last change, stage entry, due
    # date); a rule fires once per record and period. Empty for instant events.
    period = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    results = models.JSONField(_("actions"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.FloatField(_("duration (ms)"), default=0)
    depth = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "record_type", "record_id", "period"],
                                    condition=~models.Q(period=""),
                                    name="firing_once_per_period"),
        ]
        indexes = [models.Index(fields=["record_type", "record_id", "-at"]),
                   models.Index(fields=["outcome", "-at"])]
        verbose_name = _("rule firing")
        verbose_name_plural = _("automation log")

    def __str__(self) -> str:
        return f"{self.name} → {self.record_type} {self.record_id}: {self.outcome}"
