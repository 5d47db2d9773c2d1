"""Customer accounts (organisations or households, with sub-accounts) and contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stageflow.core.models import VersionedModel
from stageflow.people.models import Office


class CustomerStatus(models.TextChoices):
    LEAD = "lead", _("Lead")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Account(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    customer_status = models.CharField(_("customer status"), max_length=10,
                                       choices=CustomerStatus.choices, default=CustomerStatus.LEAD)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sub_accounts", verbose_name=_("parent account"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_alt = models.CharField(_("other phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    billing_street = models.CharField(_("billing street"), max_length=200, blank=True)
    billing_city = models.CharField(_("billing city"), max_length=100, blank=True)
    billing_postcode = models.CharField(_("billing postcode"), max_length=20, blank=True)
    billing_region = models.CharField(_("billing region"), max_length=100, blank=True)
    billing_country = models.CharField(_("billing country"), max_length=100, blank=True)
    service_street = models.CharField(_("service street"), max_length=200, blank=True)
    service_city = models.CharField(_("service city"), max_length=100, blank=True)
    service_postcode = models.CharField(_("service postcode"), max_length=20, blank=True)
    service_region = models.CharField(_("service region"), max_length=100, blank=True)
    service_country = models.CharField(_("service country"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["email"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["phone_alt"]),
            models.Index(fields=["office", "name"]),
            models.Index(fields=["owner", "name"]),
            # Narrow, so that SQLite counts an office's accounts, or checks the scope of the
            # rows a search matched, without reading the wide account rows themselves.
            models.Index(fields=["id", "office", "owner"], name="accounts_account_scope_idx"),
        ]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:account_detail", kwargs={"account_id": self.pk})


class Contact(VersionedModel):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(pgettext_lazy("form of address", "title"), max_length=50,
                             blank=True,
                             help_text=_("Form of address, such as Dr. or Ms."))
    email = models.EmailField(_("email"), blank=True)
    email_alt = models.EmailField(_("other email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=10000)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    accounts = models.ManyToManyField(Account, through="AccountContact", related_name="contacts",
                                      blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["email"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["mobile"]),
            models.Index(fields=["office", "last_name"]),
            models.Index(fields=["owner", "last_name"]),
            # As for accounts: scope counts and search matches read this, not the rows.
            models.Index(fields=["id", "office", "owner"], name="accounts_contact_scope_idx"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def get_absolute_url(self) -> str:
        return reverse("web:contact_detail", kwargs={"contact_id": self.pk})


class AccountContact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="account_links")
    job_title = models.CharField(_("job title"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "contact"], name="unique_account_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} at {self.account}"


class PaymentMethod(models.Model):
    """A card kept on file, as a payment provider's reference only: never a card number."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payment_methods",
                                verbose_name=_("account"))
    provider = models.CharField(_("payment provider"), max_length=30)
    # The provider's reference for charging the card later; never shown or returned.
    token = models.CharField(_("provider reference"), max_length=200)
    brand = models.CharField(_("card brand"), max_length=30)
    last4 = models.CharField(_("last four digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"), null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(_("expiry year"), null=True, blank=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=models.Q(is_default=True),
                                    name="one_default_payment_method_per_account"),
        ]
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")

    def __str__(self) -> str:
        return f"{self.brand} ••{self.last4}"
