"""Job orders (vacancies a client wants filled) and placements of candidates on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.sales.models import Lead, Opportunity


class JobOrder(VersionedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("client"))
    # A job order relates to at most one lead and at most one opportunity (decision 6).
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="job_orders", verbose_name=_("lead"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="job_orders",
                                    verbose_name=_("opportunity"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job order")
        verbose_name_plural = _("job orders")

    def __str__(self) -> str:
        return self.title


class Placement(VersionedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLACED = "placed", _("Placed")
        ENDED = "ended", _("Ended")

    job_order = models.ForeignKey(JobOrder, on_delete=models.CASCADE,
                                  related_name="placements")
    candidate = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("candidate"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PROPOSED)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self) -> str:
        return f"{self.candidate} on {self.job_order}"
