"""The link between a won opportunity and the job (sub-account) it was handed over as."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account
from stageflow.sales.models import Opportunity


class Job(models.Model):
    """One per opportunity: it is what stops a second hand-over (a double click, a rule firing
    again) from creating a second sub-account, and what the opportunity's Job tab links to."""

    opportunity = models.OneToOneField(Opportunity, on_delete=models.CASCADE, related_name="+",
                                       verbose_name=_("opportunity"))
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("job account"))
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return str(self.account)
