"""The price book (flat-rate book) and estimates priced from it, with the client's public link."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.sales.models import Opportunity

ZERO = Decimal("0.00")


def trimmed(value: Decimal) -> Decimal:
    """A quantity or percentage as people write it: 10 not 10.000 (nor 1E+1), 8.25, 2.5."""
    return Decimal(format(value.normalize(), "f"))


class PriceBookItem(VersionedModel):
    """A flat-rate task or product the business sells at a set price."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    unit = models.CharField(_("unit"), max_length=20, blank=True,
                            help_text=_("Such as “each”, “hour” or “visit”."))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=5, decimal_places=2,
                                   default=ZERO)
    category = models.CharField(_("category"), max_length=100, blank=True,
                                help_text=_("The book or section it belongs to."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "code"]
        indexes = [models.Index(fields=["active", "category", "code"]),
                   models.Index(fields=["name"])]
        verbose_name = _("price book item")
        verbose_name_plural = _("price book")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def tax_rate_shown(self) -> Decimal:
        return trimmed(self.tax_rate)


class Estimate(VersionedModel):
    """A quote or proposal: priced lines for an opportunity and/or a customer account."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="estimates", verbose_name=_("opportunity"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="estimates", verbose_name=_("customer"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("addressed to"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    # Exactly one estimate of an opportunity is the one its value and the won job follow.
    selected = models.BooleanField(_("selected"), default=False)
    currency = models.CharField(_("currency"), max_length=3)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True, max_length=50000)
    notes = models.TextField(_("notes for the client"), blank=True, max_length=10000)
    private_notes = models.TextField(
        _("private notes"), blank=True, max_length=10000,
        help_text=_("For the office only: never shown or sent to the client."))
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=ZERO)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    accepted_by_name = models.CharField(_("accepted by"), max_length=200, blank=True)
    answered_from_ip = models.GenericIPAddressField(_("answered from"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity"], condition=Q(selected=True),
                                    name="one_selected_estimate_per_opportunity"),
            models.CheckConstraint(condition=Q(opportunity__isnull=False)
                                   | Q(account__isnull=False),
                                   name="estimate_on_opportunity_or_account"),
        ]
        indexes = [models.Index(fields=["status", "created_at"]),
                   models.Index(fields=["account", "created_at"]),
                   models.Index(fields=["owner", "status"]),
                   models.Index(fields=["office", "status"])]
        verbose_name = _("estimate")
        verbose_name_plural = _("estimates")

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("quotes:estimate", kwargs={"estimate_id": self.pk})


class EstimateCounter(models.Model):
    """The last estimate number handed out: one row, locked while the next number is taken, so
    two people creating estimates at once never get the same number."""

    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"E-{self.last_number:05d}"


class DocumentLine(models.Model):
    """A priced line as estimates, orders and invoices all have it."""

    position = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=40, blank=True)
    description = models.TextField(_("description"), max_length=5000)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3,
                                   default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2,
                                           default=ZERO)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=5, decimal_places=2,
                                   default=ZERO)
    net_amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def quantity_shown(self) -> Decimal:
        return trimmed(self.quantity)

    @property
    def discount_shown(self) -> Decimal:
        return trimmed(self.discount_percent)

    @property
    def tax_rate_shown(self) -> Decimal:
        return trimmed(self.tax_rate)


class EstimateLine(DocumentLine):
    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(PriceBookItem, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("price book item"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("estimate line")
        verbose_name_plural = _("estimate lines")


class EstimateLink(models.Model):
    """A link sent to the client: only the token's SHA-256 is kept, so a leaked database
    does not open anyone's quote."""

    estimate = models.ForeignKey(Estimate, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"link to {self.estimate}"
