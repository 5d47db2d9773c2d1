"""Lead intake: public web-to-lead forms, inbound sources for other systems, and what they
received (with the address it came from, which the per-address rate limit counts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.pipelines.models import Pipeline
from stageflow.sales.models import Lead


class LeadForm(VersionedModel):
    """A form the public fills in at `/f/<slug>/`; each submission becomes a lead."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address name"), max_length=60, unique=True,
                            help_text=_("The form's address: /f/<address name>/."))
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("lead pipeline"),
                                 help_text=_("Empty for the default lead pipeline."))
    source = models.CharField(_("source"), max_length=60, blank=True,
                              help_text=_("The lead source every lead from this form gets."))
    # [{"key": "email", "label": "Email", "required": true}, …] in the order they are asked.
    fields = models.JSONField(_("fields"), default=list, blank=True)
    consent_text = models.TextField(
        _("consent checkbox"), max_length=2000, blank=True,
        help_text=_("When filled, the form shows this next to a checkbox that must be ticked."))
    confirmation_message = models.TextField(_("confirmation message"), max_length=2000,
                                            blank=True)
    redirect_url = models.URLField(_("redirect after sending"), blank=True,
                                   help_text=_("Instead of the confirmation message."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner of new leads"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office of new leads"))
    is_default = models.BooleanField(
        _("default public form"), default=False,
        help_text=_("Used by POST /api/v1/public/leads when the body names no form."))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="one_default_lead_form"),
        ]
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("intake:form", kwargs={"form_id": self.pk})

    def public_path(self) -> str:
        return reverse("intake:public_form", kwargs={"slug": self.slug})


class IntakeSource(VersionedModel):
    """Another system that sends leads to `POST /api/v1/intake/leads` with its own token.

    Only the token's SHA-256 is kept: the token is shown once, when the source is created.
    """

    name = models.CharField(_("name"), max_length=100)
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("lead pipeline"),
                                 help_text=_("Empty for the default lead pipeline."))
    source = models.CharField(_("source"), max_length=60, blank=True,
                              help_text=_("The lead source every lead from this system gets."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner of new leads"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office of new leads"))
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(_("token starts with"), max_length=12)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("intake source")
        verbose_name_plural = _("intake sources")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("intake:source", kwargs={"source_id": self.pk})


class Submission(models.Model):
    """One thing a form or a source received, kept for the rate limit and for the record."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Lead created")
        SPAM = "spam", _("Caught by the honeypot")

    form = models.ForeignKey(LeadForm, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="submissions")
    source = models.ForeignKey(IntakeSource, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="submissions")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    # The consent text as the visitor saw it when they ticked the box.
    consent = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The rate limit: one form's submissions from one address in the last minutes.
            models.Index(fields=["form", "ip_address", "at"], name="intake_rate_limit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(form__isnull=False, source__isnull=True)
                           | Q(form__isnull=True, source__isnull=False)),
                name="submission_from_form_or_source"),
            # What makes a source's repeated delivery idempotent.
            models.UniqueConstraint(fields=["source", "external_id"],
                                    condition=~Q(external_id=""),
                                    name="unique_source_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.form or self.source} {self.at:%Y-%m-%d %H:%M} {self.outcome}"
