"""Work queues: saved filters over accounts, leads or opportunities, with an age limit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.pipelines.models import Pipeline


class WorkQueue(VersionedModel):
    class RecordType(models.TextChoices):
        ACCOUNT = "account", _("Accounts")
        LEAD = "lead", _("Leads")
        OPPORTUNITY = "opportunity", _("Opportunities")

    class OwnerFilter(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        VIEWER = "viewer", _("The person looking")
        USER = "user", _("One person")

    class OfficeFilter(models.TextChoices):
        ANY = "any", _("Any office")
        VIEWER = "viewer", _("The offices of the person looking")
        OFFICE = "office", _("One office")

    class AgeBasis(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Last changed")
        STAGE = "stage", _("In stage since")
        TAGGED = "tagged", _("Tagged since")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address name"), max_length=60, unique=True,
                            help_text=_("Used in addresses, such as sales-followup."))
    record_type = models.CharField(_("lists"), max_length=20, choices=RecordType.choices)
    tags = models.JSONField(_("tagged with all of"), default=list, blank=True)
    without_tags = models.JSONField(_("without any of the tags"), default=list, blank=True)
    customer_statuses = models.JSONField(_("customer statuses"), default=list, blank=True,
                                         help_text=_("Accounts only; empty for any."))
    statuses = models.JSONField(_("statuses"), default=list, blank=True,
                                help_text=_("Leads and opportunities only; empty for any."))
    pipeline = models.ForeignKey(Pipeline, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("pipeline"))
    stages = models.JSONField(_("stages"), default=list, blank=True)
    owner_filter = models.CharField(_("owner"), max_length=10, choices=OwnerFilter.choices,
                                    default=OwnerFilter.ANYONE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("owned by"))
    office_filter = models.CharField(_("office"), max_length=10, choices=OfficeFilter.choices,
                                     default=OfficeFilter.ANY)
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("in office"))
    age_basis = models.CharField(_("age counted from"), max_length=10, choices=AgeBasis.choices,
                                 default=AgeBasis.CREATED)
    max_age_days = models.PositiveIntegerField(
        _("age limit in days"), null=True, blank=True,
        help_text=_("Entries older than this are flagged overdue. Empty for no limit."))
    position = models.PositiveIntegerField(_("position"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("work queue")
        verbose_name_plural = _("work queues")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("queues:detail", kwargs={"queue_id": self.pk})
