"""Orders (what the client bought, to be fulfilled) and invoices (what the client owes)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.quotes.models import DocumentLine, Estimate
from stageflow.sales.models import Opportunity

ZERO = Decimal("0.00")


class DocumentCounter(models.Model):
    """The last number handed out in one numbering sequence ("orders", "invoices-2026").

    Numbers are taken by incrementing the row inside the creating transaction, so the row lock
    serialises concurrent writers and a rolled-back document gives its number back.
    """

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class PricedDocument(VersionedModel):
    """What orders and invoices share: the customer, where they came from, money totals."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("customer"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("opportunity"))
    estimate = models.ForeignKey(Estimate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("estimate"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("addressed to"))
    # Copied from the opportunity (or the account) so that scope works as on any record.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    currency = models.CharField(_("currency"), max_length=3)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        abstract = True


class Order(PricedDocument):
    """A sales or work order: the hand-off of a sale to ordering and scheduling."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"]),
                   models.Index(fields=["opportunity", "created_at"]),
                   models.Index(fields=["status", "created_at"])]
        verbose_name = pgettext_lazy("sales document", "order")
        verbose_name_plural = pgettext_lazy("sales document", "orders")

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("billing:order_detail", kwargs={"order_id": self.pk})


class Invoice(PricedDocument):
    """A bill to a customer. Drafts have no number: issuing one gives it the next number of
    its year, so the issued sequence has no gaps whatever happens to drafts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")

    number = models.CharField(_("number"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="invoices",
                              verbose_name=pgettext_lazy("sales document", "order"))
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["number"], condition=~Q(number=""),
                                               name="unique_invoice_number")]
        indexes = [models.Index(fields=["account", "created_at"]),
                   models.Index(fields=["opportunity", "created_at"]),
                   models.Index(fields=["status", "created_at"])]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice %(id)s") % {"id": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("billing:invoice_detail", kwargs={"invoice_id": self.pk})


class OrderLine(DocumentLine):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
