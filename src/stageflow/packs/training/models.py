"""Courses (Administrate's Events), an opportunity's interests in them, the registrations of
students a won sale books, and issues of training tokens to an account."""

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


class Course(VersionedModel):
    """One scheduled course (event) in the catalogue, sold per student."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    price = models.DecimalField(_("price per student"), max_digits=12, decimal_places=2,
                                default=ZERO)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True,
        help_text=_("The most students it takes; leave empty for no limit."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["starts_on", "code", "id"]
        indexes = [models.Index(fields=["active", "starts_on"]),
                   models.Index(fields=["name"])]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("training:course_detail", kwargs={"course_id": self.pk})


class Interest(VersionedModel):
    """A course an opportunity is interested in, for how many students, at what price."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="interests", verbose_name=_("opportunity"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="interests",
                               verbose_name=_("course"))
    number_of_students = models.PositiveIntegerField(_("number of students"), default=1)
    students = models.ManyToManyField(Contact, blank=True, related_name="+",
                                      verbose_name=_("students"))
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, default=ZERO)
    # Set when someone typed the price; otherwise it follows course price x students.
    price_fixed = models.BooleanField(_("price set by hand"), default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "course"],
                                               name="one_interest_per_course")]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")

    def __str__(self) -> str:
        return f"{self.course} × {self.number_of_students}"


class Registration(VersionedModel):
    """One student booked on one course, usually by the won sale of an opportunity."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="registrations",
                               verbose_name=_("course"))
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("student"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("opportunity"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("account"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.REGISTERED)
    # Copied from the opportunity so that scope works as on any record.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["course", "id"]
        constraints = [models.UniqueConstraint(
            fields=["opportunity", "course", "contact"], condition=Q(opportunity__isnull=False),
            name="one_registration_per_sale_course_student")]
        indexes = [models.Index(fields=["course", "status"])]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.contact} – {self.course}"


class TokenIssue(VersionedModel):
    """Training tokens issued to an account (prepaid places it spends on courses later)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE,
                                related_name="token_issues", verbose_name=_("account"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("opportunity"))
    quantity = models.PositiveIntegerField(_("tokens"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["opportunity"], condition=Q(opportunity__isnull=False),
            name="one_token_issue_per_opportunity")]
        verbose_name = _("token issue")
        verbose_name_plural = _("token issues")

    def __str__(self) -> str:
        return f"{self.quantity} tokens for {self.account}"
